export { CheckService } from './check.service';
export type { CheckResult } from './check.service';
export { ChecksModule } from './checks.module';
export { ComparisonFailures } from './comparison-failures';
export { jsonEqual } from './json-equal';
export { decideOnCheck, decideOnConfirm, sameDivergence } from './lifecycle';
export { sliResult } from './sli';
export type { SliResult } from './sli';
