import { registerEnumType } from 'type-graphql';

/** Where a school stands for partner matching (DESIGN.md, Analytics). Stored in `performance_band.band`. */
export enum PerformanceBand {
  HIGH_PERFORMING = 'high_performing',
  IN_NEED = 'in_need',
  NEITHER = 'neither',
  NO_RECENT_EVIDENCE = 'no_recent_evidence',
}

registerEnumType(PerformanceBand, {
  name: 'PerformanceBand',
  description: 'Where a school stands for partner matching, from its recent inspection and outcomes.',
  valuesConfig: {
    HIGH_PERFORMING: {
      description: 'Latest inspection outstanding; or good with attainment and progress at or above every high threshold of its phase.',
    },
    IN_NEED: {
      description:
        'Latest inspection requires improvement or inadequate, or any category of concern (special measures, serious weaknesses, ...); or a measure below its floor.',
    },
    NEITHER: { description: 'Recent evidence, but neither high-performing nor in need (e.g. good without the high outcomes).' },
    NO_RECENT_EVIDENCE: { description: 'No inspection and no outcome measure within the evidence windows.' },
  },
});

/** What a threshold decides. */
export enum BandCriterion {
  HIGH_ATTAINMENT = 'high_attainment',
  HIGH_PROGRESS = 'high_progress',
  FLOOR = 'floor',
}

registerEnumType(BandCriterion, {
  name: 'BandCriterion',
  description: 'What a performance band threshold decides.',
  valuesConfig: {
    HIGH_ATTAINMENT: {
      description: 'Attainment in the top band: with a good inspection, every high threshold met makes a school high-performing.',
    },
    HIGH_PROGRESS: {
      description: 'Progress in the top band: with a good inspection, every high threshold met makes a school high-performing.',
    },
    FLOOR: { description: 'The floor: a value on the wrong side of any floor threshold puts the school in need.' },
  },
});

/** The area a support-capacity figure is given for. */
export enum CapacityLevel {
  REGION = 'region',
  LOCAL_AUTHORITY = 'local_authority',
  CONSTITUENCY = 'constituency',
}

registerEnumType(CapacityLevel, {
  name: 'CapacityLevel',
  description: 'Which areas support capacity is counted by.',
  valuesConfig: {
    REGION: { description: 'Government office region.' },
    LOCAL_AUTHORITY: { description: 'Local authority.' },
    CONSTITUENCY: { description: 'Parliamentary constituency.' },
  },
});
