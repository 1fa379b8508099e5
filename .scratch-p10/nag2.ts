import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { parseConfig } from '../lambdas/config/load';
import { buildApp } from '../infra/build-app';
import { everythingConfig } from '../test/infra/nag.spec';
