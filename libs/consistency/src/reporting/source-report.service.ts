import { Injectable } from '@nestjs/common';
import { sliFigures, sumBy } from '@app/metrics';
import { BUILT_IN_SOURCE, SourcesService } from '@app/sources';
import { InconsistenciesRepository } from '../records';
import { SourceSweepStateRepository, SWEEPER, SweeperStateRepository } from '../sweep';
import { ConsistencyReportService } from './consistency-report.service';
import { SourceReportDto } from './dto/source-report.dto';

/** GET /sources: each source's declaration with what Polaris has seen of it. */
@Injectable()
export class SourceReportService {
  constructor(
    private readonly sources: SourcesService,
    private readonly report: ConsistencyReportService,
    private readonly records: InconsistenciesRepository,
    private readonly itemSweep: SweeperStateRepository,
    private readonly sourceSweep: SourceSweepStateRepository,
  ) {}

  async list(): Promise<SourceReportDto[]> {
    const [metrics, active, passes, items] = await Promise.all([
      this.report.everyProcess(),
      this.records.activeBySource(),
      this.sourceSweep.lastPasses(),
      this.itemSweep.load(SWEEPER),
    ]);
    return this.sources.list().map((s) => {
      const where = { source: s.name };
      const pass =
        s.name === BUILT_IN_SOURCE ? { passes: items.passes, lastPassMs: items.lastPassMs, lastPassAt: null } : passes.get(s.name);
      return {
        ...s,
        stats: {
          changesCaptured: sumBy(metrics, 'polaris_changes_relayed_total', undefined, where).total ?? 0,
          checks: sumBy(metrics, 'polaris_checks_total', 'outcome', where),
          activeRecords: active.get(s.name) ?? {},
          sli: sliFigures(sumBy(metrics, 'polaris_sli_post_write_checks_total', 'result', where)),
          lastSweepPass:
            pass && pass.passes > 0
              ? { passes: pass.passes, durationMs: pass.lastPassMs, at: pass.lastPassAt?.toISOString() ?? null }
              : null,
        },
      };
    });
  }
}
