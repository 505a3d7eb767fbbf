import { registerEnumType } from 'type-graphql';

/** Who inspected: Ofsted in England, Estyn in Wales. */
export enum Inspectorate {
  OFSTED = 'ofsted',
  ESTYN = 'estyn',
}

registerEnumType(Inspectorate, {
  name: 'Inspectorate',
  description: 'The body that inspected a school.',
  valuesConfig: {
    OFSTED: { description: 'Ofsted (England).' },
    ESTYN: { description: 'Estyn (Wales).' },
  },
});

/** Ofsted's four-point scale. Stored as its number (1 best), so "at or below a level" is a comparison. */
export enum OfstedGrade {
  OUTSTANDING = 1,
  GOOD = 2,
  REQUIRES_IMPROVEMENT = 3,
  INADEQUATE = 4,
}

registerEnumType(OfstedGrade, {
  name: 'OfstedGrade',
  description: "Ofsted's overall effectiveness grade (stored as 1 outstanding .. 4 inadequate).",
  valuesConfig: {
    OUTSTANDING: { description: 'Grade 1: outstanding.' },
    GOOD: { description: 'Grade 2: good.' },
    REQUIRES_IMPROVEMENT: { description: 'Grade 3: requires improvement.' },
    INADEQUATE: { description: 'Grade 4: inadequate (with a category of concern, or not).' },
  },
});

/**
 * Estyn's four-point evaluation (the 2017-2022 framework). Kept as its word, and also as a grade 1..4
 * in the same direction as Ofsted's (1 best), so rules can compare grades across both inspectorates.
 */
export enum EstynEvaluation {
  EXCELLENT = 'excellent',
  GOOD = 'good',
  ADEQUATE = 'adequate',
  UNSATISFACTORY = 'unsatisfactory',
}

export const ESTYN_GRADE: Record<EstynEvaluation, number> = {
  [EstynEvaluation.EXCELLENT]: 1,
  [EstynEvaluation.GOOD]: 2,
  [EstynEvaluation.ADEQUATE]: 3,
  [EstynEvaluation.UNSATISFACTORY]: 4,
};

registerEnumType(EstynEvaluation, {
  name: 'EstynEvaluation',
  description: "Estyn's four-point evaluation of an inspection area (grade 1 excellent .. 4 unsatisfactory).",
  valuesConfig: {
    EXCELLENT: { description: 'Very strong, sustained performance and practice (grade 1).' },
    GOOD: { description: 'Strong features, although minor aspects may require improvement (grade 2).' },
    ADEQUATE: { description: 'Strengths outweigh weaknesses, but important aspects require improvement (grade 3).' },
    UNSATISFACTORY: { description: 'Important weaknesses outweigh strengths (grade 4).' },
  },
});

/** A formal category of concern after an inspection. */
export enum CategoryOfConcern {
  SPECIAL_MEASURES = 'special_measures',
  SERIOUS_WEAKNESSES = 'serious_weaknesses',
  SIGNIFICANT_IMPROVEMENT = 'significant_improvement',
  ESTYN_REVIEW = 'estyn_review',
}

/** Which categories each inspectorate uses (also a check constraint on `inspection`). */
export const CATEGORIES_OF: Record<Inspectorate, CategoryOfConcern[]> = {
  [Inspectorate.OFSTED]: [CategoryOfConcern.SPECIAL_MEASURES, CategoryOfConcern.SERIOUS_WEAKNESSES],
  [Inspectorate.ESTYN]: [CategoryOfConcern.SPECIAL_MEASURES, CategoryOfConcern.SIGNIFICANT_IMPROVEMENT, CategoryOfConcern.ESTYN_REVIEW],
};

registerEnumType(CategoryOfConcern, {
  name: 'CategoryOfConcern',
  description: 'A formal category of concern an inspection placed the school in.',
  valuesConfig: {
    SPECIAL_MEASURES: {
      description: 'Special measures (Ofsted inadequate, or Estyn): the school is failing to give an acceptable education.',
    },
    SERIOUS_WEAKNESSES: { description: 'Serious weaknesses (Ofsted inadequate): one or more key areas are inadequate.' },
    SIGNIFICANT_IMPROVEMENT: { description: 'In need of significant improvement (Estyn).' },
    ESTYN_REVIEW: { description: 'Estyn review: Estyn monitors the school’s progress.' },
  },
});

/**
 * Areas judged by an inspection or graded by a school's own self-evaluation. Ofsted's 2019 framework
 * areas first, then its 2015 ones (older reports), then Estyn's 2017 ones.
 */
export enum EvidenceArea {
  OVERALL_EFFECTIVENESS = 'overall_effectiveness',
  QUALITY_OF_EDUCATION = 'quality_of_education',
  BEHAVIOUR_AND_ATTITUDES = 'behaviour_and_attitudes',
  PERSONAL_DEVELOPMENT = 'personal_development',
  LEADERSHIP_AND_MANAGEMENT = 'leadership_and_management',
  EARLY_YEARS = 'early_years',
  SIXTH_FORM = 'sixth_form',
  OUTCOMES_FOR_PUPILS = 'outcomes_for_pupils',
  TEACHING_LEARNING_AND_ASSESSMENT = 'teaching_learning_and_assessment',
  PERSONAL_DEVELOPMENT_BEHAVIOUR_AND_WELFARE = 'personal_development_behaviour_and_welfare',
  STANDARDS = 'standards',
  WELLBEING_AND_ATTITUDES_TO_LEARNING = 'wellbeing_and_attitudes_to_learning',
  TEACHING_AND_LEARNING_EXPERIENCES = 'teaching_and_learning_experiences',
  CARE_SUPPORT_AND_GUIDANCE = 'care_support_and_guidance',
}

registerEnumType(EvidenceArea, {
  name: 'EvidenceArea',
  description: 'An area an inspection judges or a self-evaluation grades.',
  valuesConfig: {
    OVERALL_EFFECTIVENESS: { description: 'Overall effectiveness (self-evaluations only: an inspection carries it as its own field).' },
    QUALITY_OF_EDUCATION: { description: 'Quality of education (Ofsted 2019).' },
    BEHAVIOUR_AND_ATTITUDES: { description: 'Behaviour and attitudes (Ofsted 2019).' },
    PERSONAL_DEVELOPMENT: { description: 'Personal development (Ofsted 2019).' },
    LEADERSHIP_AND_MANAGEMENT: { description: 'Leadership and management (Ofsted; Estyn area 5).' },
    EARLY_YEARS: { description: 'Early years provision (Ofsted).' },
    SIXTH_FORM: { description: 'Sixth-form provision (Ofsted).' },
    OUTCOMES_FOR_PUPILS: { description: 'Outcomes for pupils (Ofsted 2015).' },
    TEACHING_LEARNING_AND_ASSESSMENT: { description: 'Quality of teaching, learning and assessment (Ofsted 2015).' },
    PERSONAL_DEVELOPMENT_BEHAVIOUR_AND_WELFARE: { description: 'Personal development, behaviour and welfare (Ofsted 2015).' },
    STANDARDS: { description: 'Standards (Estyn area 1).' },
    WELLBEING_AND_ATTITUDES_TO_LEARNING: { description: 'Wellbeing and attitudes to learning (Estyn area 2).' },
    TEACHING_AND_LEARNING_EXPERIENCES: { description: 'Teaching and learning experiences (Estyn area 3).' },
    CARE_SUPPORT_AND_GUIDANCE: { description: 'Care, support and guidance (Estyn area 4).' },
  },
});

/** What a metric measures and the values it can take; the same rows are in the `outcome_metric` table. */
export interface MetricSpec {
  description: string;
  unit: 'percent' | 'score' | 'rate';
  min: number;
  max: number;
  /** Whether a higher value is better (attendance) or worse (persistent absence). */
  higherIsBetter: boolean;
}

/** Outcome metrics. The value is the code stored in `outcome_measure.metric`. */
export enum OutcomeMetric {
  KS2_RWM_EXPECTED_PCT = 'ks2_rwm_expected_pct',
  KS2_RWM_HIGHER_PCT = 'ks2_rwm_higher_pct',
  KS2_READING_EXPECTED_PCT = 'ks2_reading_expected_pct',
  KS2_WRITING_EXPECTED_PCT = 'ks2_writing_expected_pct',
  KS2_MATHS_EXPECTED_PCT = 'ks2_maths_expected_pct',
  KS2_GPS_EXPECTED_PCT = 'ks2_gps_expected_pct',
  KS2_READING_PROGRESS = 'ks2_reading_progress',
  KS2_WRITING_PROGRESS = 'ks2_writing_progress',
  KS2_MATHS_PROGRESS = 'ks2_maths_progress',
  KS2_READING_AVERAGE_SCORE = 'ks2_reading_average_score',
  KS2_MATHS_AVERAGE_SCORE = 'ks2_maths_average_score',
  KS2_DISADVANTAGED_RWM_EXPECTED_PCT = 'ks2_disadvantaged_rwm_expected_pct',
  KS2_PRIOR_ATTAINMENT_KS1_APS = 'ks2_prior_attainment_ks1_aps',
  KS4_ATTAINMENT8 = 'ks4_attainment8',
  KS4_PROGRESS8 = 'ks4_progress8',
  KS4_ENGLISH_MATHS_STRONG_PASS_PCT = 'ks4_english_maths_strong_pass_pct',
  KS4_EBACC_ENTRY_PCT = 'ks4_ebacc_entry_pct',
  ATTENDANCE_PCT = 'attendance_pct',
  PERSISTENT_ABSENCE_PCT = 'persistent_absence_pct',
  SUSPENSION_RATE = 'suspension_rate',
  PERMANENT_EXCLUSION_RATE = 'permanent_exclusion_rate',
}

const pct = (description: string, higherIsBetter = true): MetricSpec => ({
  description,
  unit: 'percent',
  min: 0,
  max: 100,
  higherIsBetter,
});
const progress = (subject: string): MetricSpec => ({
  description: `KS2 ${subject} progress score (0 is the national average; typically -10 to +10).`,
  unit: 'score',
  min: -50,
  max: 50,
  higherIsBetter: true,
});

export const METRICS: Record<OutcomeMetric, MetricSpec> = {
  [OutcomeMetric.KS2_RWM_EXPECTED_PCT]: pct('KS2: % of pupils meeting the expected standard in reading, writing and maths.'),
  [OutcomeMetric.KS2_RWM_HIGHER_PCT]: pct('KS2: % of pupils achieving a higher standard in reading, writing and maths.'),
  [OutcomeMetric.KS2_READING_EXPECTED_PCT]: pct('KS2: % of pupils meeting the expected standard in reading.'),
  [OutcomeMetric.KS2_WRITING_EXPECTED_PCT]: pct('KS2: % of pupils meeting the expected standard in writing (teacher assessment).'),
  [OutcomeMetric.KS2_MATHS_EXPECTED_PCT]: pct('KS2: % of pupils meeting the expected standard in maths.'),
  [OutcomeMetric.KS2_GPS_EXPECTED_PCT]: pct('KS2: % of pupils meeting the expected standard in grammar, punctuation and spelling.'),
  [OutcomeMetric.KS2_READING_PROGRESS]: progress('reading'),
  [OutcomeMetric.KS2_WRITING_PROGRESS]: progress('writing'),
  [OutcomeMetric.KS2_MATHS_PROGRESS]: progress('maths'),
  [OutcomeMetric.KS2_READING_AVERAGE_SCORE]: {
    description: 'KS2: average scaled score in reading (80 to 120; 100 is the expected standard).',
    unit: 'score',
    min: 80,
    max: 120,
    higherIsBetter: true,
  },
  [OutcomeMetric.KS2_MATHS_AVERAGE_SCORE]: {
    description: 'KS2: average scaled score in maths (80 to 120; 100 is the expected standard).',
    unit: 'score',
    min: 80,
    max: 120,
    higherIsBetter: true,
  },
  [OutcomeMetric.KS2_DISADVANTAGED_RWM_EXPECTED_PCT]: pct(
    'KS2: % of disadvantaged pupils meeting the expected standard in reading, writing and maths.',
  ),
  [OutcomeMetric.KS2_PRIOR_ATTAINMENT_KS1_APS]: {
    description: "KS2 cohort's prior attainment: the average KS1 point score of its pupils (TKS1AVERAGE; typically 13 to 19).",
    unit: 'score',
    min: 0,
    max: 30,
    higherIsBetter: true,
  },
  [OutcomeMetric.KS4_ATTAINMENT8]: {
    description: 'KS4: average Attainment 8 score per pupil (0 to 90).',
    unit: 'score',
    min: 0,
    max: 90,
    higherIsBetter: true,
  },
  [OutcomeMetric.KS4_PROGRESS8]: {
    description: 'KS4: Progress 8 score (0 is the national average; typically -2 to +2).',
    unit: 'score',
    min: -10,
    max: 10,
    higherIsBetter: true,
  },
  [OutcomeMetric.KS4_ENGLISH_MATHS_STRONG_PASS_PCT]: pct('KS4: % of pupils achieving grade 5 or above in English and maths.'),
  [OutcomeMetric.KS4_EBACC_ENTRY_PCT]: pct('KS4: % of pupils entered for the English Baccalaureate.'),
  [OutcomeMetric.ATTENDANCE_PCT]: pct('Attendance: % of possible sessions attended.'),
  [OutcomeMetric.PERSISTENT_ABSENCE_PCT]: pct('Persistent absence: % of pupils missing 10% or more of possible sessions.', false),
  [OutcomeMetric.SUSPENSION_RATE]: {
    description: 'Suspensions (fixed-period exclusions) per 100 pupils on roll.',
    unit: 'rate',
    min: 0,
    max: 1000,
    higherIsBetter: false,
  },
  [OutcomeMetric.PERMANENT_EXCLUSION_RATE]: {
    description: 'Permanent exclusions per 100 pupils on roll.',
    unit: 'rate',
    min: 0,
    max: 100,
    higherIsBetter: false,
  },
};

const metricNames = Object.fromEntries(Object.entries(OutcomeMetric).map(([name, code]) => [code, name]));

registerEnumType(OutcomeMetric, {
  name: 'OutcomeMetric',
  description: 'What an outcome measure measures. Percentages are 0-100; each metric states its range.',
  valuesConfig: Object.fromEntries(
    Object.entries(METRICS).map(([code, spec]) => [
      metricNames[code],
      { description: `${spec.description} Range ${spec.min} to ${spec.max}.` },
    ]),
  ),
});

export const isOutcomeMetric = (value: string): value is OutcomeMetric => Object.prototype.hasOwnProperty.call(METRICS, value);
