/**
 * The CDK entry exactly as infra/app.ts runs it, plus one resource that cdk-nag refuses
 * (an unencrypted SQS queue without a dead-letter queue): proves every synth runs cdk-nag.
 */
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { synthApp } from '../../infra/synth-app';

synthApp({ addToStack: (stack) => new sqs.Queue(stack, 'CarelessQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED }) });
