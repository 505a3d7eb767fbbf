import { registerEnumType } from 'type-graphql';

/** Phase of education, as GIAS groups them (special and alternative provision kept apart). */
export enum Phase {
  NURSERY = 'nursery',
  PRIMARY = 'primary',
  MIDDLE = 'middle',
  SECONDARY = 'secondary',
  ALL_THROUGH = 'all_through',
  SPECIAL = 'special',
  ALTERNATIVE_PROVISION = 'alternative_provision',
  SIXTEEN_PLUS = 'sixteen_plus',
}

/** GIAS establishment type, for the state-funded and Welsh schools Trellis models. */
export enum EstablishmentType {
  COMMUNITY_SCHOOL = 'community_school',
  VOLUNTARY_AIDED_SCHOOL = 'voluntary_aided_school',
  VOLUNTARY_CONTROLLED_SCHOOL = 'voluntary_controlled_school',
  FOUNDATION_SCHOOL = 'foundation_school',
  ACADEMY_CONVERTER = 'academy_converter',
  ACADEMY_SPONSOR_LED = 'academy_sponsor_led',
  FREE_SCHOOL = 'free_school',
  UNIVERSITY_TECHNICAL_COLLEGE = 'university_technical_college',
  STUDIO_SCHOOL = 'studio_school',
  COMMUNITY_SPECIAL_SCHOOL = 'community_special_school',
  FOUNDATION_SPECIAL_SCHOOL = 'foundation_special_school',
  ACADEMY_SPECIAL = 'academy_special',
  FREE_SCHOOL_SPECIAL = 'free_school_special',
  PUPIL_REFERRAL_UNIT = 'pupil_referral_unit',
  ACADEMY_ALTERNATIVE_PROVISION = 'academy_alternative_provision',
  FREE_SCHOOL_ALTERNATIVE_PROVISION = 'free_school_alternative_provision',
  LOCAL_AUTHORITY_NURSERY_SCHOOL = 'local_authority_nursery_school',
  SIXTH_FORM_CENTRE = 'sixth_form_centre',
  WELSH_ESTABLISHMENT = 'welsh_establishment',
  OTHER = 'other',
}

export enum SchoolStatus {
  OPEN = 'open',
  CLOSED = 'closed',
  PROPOSED_TO_OPEN = 'proposed_to_open',
  PROPOSED_TO_CLOSE = 'proposed_to_close',
}

export enum Nation {
  ENGLAND = 'england',
  WALES = 'wales',
}

/** ONS rural-urban classification of the school's site, as GIAS gives it. */
export enum UrbanRural {
  URBAN_MAJOR_CONURBATION = 'urban_major_conurbation',
  URBAN_MINOR_CONURBATION = 'urban_minor_conurbation',
  URBAN_CITY_AND_TOWN = 'urban_city_and_town',
  URBAN_CITY_AND_TOWN_SPARSE = 'urban_city_and_town_sparse',
  RURAL_TOWN_AND_FRINGE = 'rural_town_and_fringe',
  RURAL_TOWN_AND_FRINGE_SPARSE = 'rural_town_and_fringe_sparse',
  RURAL_VILLAGE = 'rural_village',
  RURAL_VILLAGE_SPARSE = 'rural_village_sparse',
  RURAL_HAMLET = 'rural_hamlet',
  RURAL_HAMLET_SPARSE = 'rural_hamlet_sparse',
}

/** Why one URN follows another (GIAS link types). */
export enum SchoolLinkReason {
  /** The usual case: a school reopened under a new URN, e.g. on academy conversion. */
  SUCCESSION = 'succession',
  MERGER = 'merger',
  AMALGAMATION = 'amalgamation',
  SPLIT = 'split',
  OTHER = 'other',
}

registerEnumType(Phase, {
  name: 'Phase',
  description: 'Phase of education.',
  valuesConfig: {
    NURSERY: { description: 'Nursery (under-5s).' },
    PRIMARY: { description: 'Primary (ages 4-11).' },
    MIDDLE: { description: 'Middle school (deemed primary or secondary).' },
    SECONDARY: { description: 'Secondary (ages 11-16 or 18).' },
    ALL_THROUGH: { description: 'All-through (primary and secondary).' },
    SPECIAL: { description: 'Special school, for pupils with education, health and care plans.' },
    ALTERNATIVE_PROVISION: { description: 'Alternative provision, e.g. a pupil referral unit.' },
    SIXTEEN_PLUS: { description: '16 plus only.' },
  },
});
registerEnumType(EstablishmentType, {
  name: 'EstablishmentType',
  description: 'GIAS type of establishment.',
  valuesConfig: {
    COMMUNITY_SCHOOL: { description: 'Maintained community school.' },
    VOLUNTARY_AIDED_SCHOOL: { description: 'Maintained voluntary aided school.' },
    VOLUNTARY_CONTROLLED_SCHOOL: { description: 'Maintained voluntary controlled school.' },
    FOUNDATION_SCHOOL: { description: 'Maintained foundation school.' },
    ACADEMY_CONVERTER: { description: 'Academy that converted from a maintained school.' },
    ACADEMY_SPONSOR_LED: { description: 'Academy opened with a sponsor.' },
    FREE_SCHOOL: { description: 'Free school.' },
    UNIVERSITY_TECHNICAL_COLLEGE: { description: 'University technical college.' },
    STUDIO_SCHOOL: { description: 'Studio school.' },
    COMMUNITY_SPECIAL_SCHOOL: { description: 'Maintained community special school.' },
    FOUNDATION_SPECIAL_SCHOOL: { description: 'Maintained foundation special school.' },
    ACADEMY_SPECIAL: { description: 'Special academy.' },
    FREE_SCHOOL_SPECIAL: { description: 'Special free school.' },
    PUPIL_REFERRAL_UNIT: { description: 'Pupil referral unit.' },
    ACADEMY_ALTERNATIVE_PROVISION: { description: 'Alternative provision academy.' },
    FREE_SCHOOL_ALTERNATIVE_PROVISION: { description: 'Alternative provision free school.' },
    LOCAL_AUTHORITY_NURSERY_SCHOOL: { description: 'Local authority nursery school.' },
    SIXTH_FORM_CENTRE: { description: 'Sixth form centre.' },
    WELSH_ESTABLISHMENT: { description: 'Establishment in Wales.' },
    OTHER: { description: 'Any other type.' },
  },
});
registerEnumType(SchoolStatus, {
  name: 'SchoolStatus',
  description: 'Whether the establishment is open, closed or proposed to open or close.',
  valuesConfig: {
    OPEN: { description: 'Open.' },
    CLOSED: { description: 'Closed.' },
    PROPOSED_TO_OPEN: { description: 'Proposed to open.' },
    PROPOSED_TO_CLOSE: { description: 'Open, but proposed to close.' },
  },
});
registerEnumType(Nation, {
  name: 'Nation',
  description: 'Nation whose inspectorate and data the school falls under.',
  valuesConfig: {
    ENGLAND: { description: 'England (Ofsted, DfE data).' },
    WALES: { description: 'Wales (Estyn, Welsh Government data).' },
  },
});
registerEnumType(UrbanRural, {
  name: 'UrbanRural',
  description: 'Rural-urban classification of the school site.',
  valuesConfig: {
    URBAN_MAJOR_CONURBATION: { description: 'Urban major conurbation.' },
    URBAN_MINOR_CONURBATION: { description: 'Urban minor conurbation.' },
    URBAN_CITY_AND_TOWN: { description: 'Urban city and town.' },
    URBAN_CITY_AND_TOWN_SPARSE: { description: 'Urban city and town in a sparse setting.' },
    RURAL_TOWN_AND_FRINGE: { description: 'Rural town and fringe.' },
    RURAL_TOWN_AND_FRINGE_SPARSE: { description: 'Rural town and fringe in a sparse setting.' },
    RURAL_VILLAGE: { description: 'Rural village.' },
    RURAL_VILLAGE_SPARSE: { description: 'Rural village in a sparse setting.' },
    RURAL_HAMLET: { description: 'Rural hamlet and isolated dwellings.' },
    RURAL_HAMLET_SPARSE: { description: 'Rural hamlet and isolated dwellings in a sparse setting.' },
  },
});
registerEnumType(SchoolLinkReason, {
  name: 'SchoolLinkReason',
  description: 'Why one URN follows another.',
  valuesConfig: {
    SUCCESSION: { description: 'The school reopened under a new URN, e.g. on academy conversion.' },
    MERGER: { description: 'Schools merged into this one.' },
    AMALGAMATION: { description: 'Schools were amalgamated.' },
    SPLIT: { description: 'A school split into several.' },
    OTHER: { description: 'Any other link GIAS records.' },
  },
});
