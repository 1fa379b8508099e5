import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
const m = new Metrics({ namespace: 'BackupRunner', serviceName: 'backup-runner' });
m.addDimensions({ deviceId: 'ar11' });
m.addMetric('BackupsSucceeded', MetricUnit.Count, 1);
m.addMetric('BackupBytes', MetricUnit.Bytes, 100);
m.publishStoredMetrics();
