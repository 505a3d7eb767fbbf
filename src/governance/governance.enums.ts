import { registerEnumType } from 'type-graphql';

export enum GoverningBodyKind {
  /** The governing body of one maintained school. */
  SCHOOL = 'school',
  /** One governing body over all the schools of a federation. */
  FEDERATION = 'federation',
  /** The board of trustees of an academy trust. */
  TRUST_BOARD = 'trust_board',
  /** A trust's local governing committee for one of its academies. */
  LOCAL_COMMITTEE = 'local_committee',
}

/** GIAS governance roles. */
export enum GovernanceRole {
  CHAIR_OF_GOVERNORS = 'chair_of_governors',
  GOVERNOR = 'governor',
  CHAIR_OF_TRUSTEES = 'chair_of_trustees',
  TRUSTEE = 'trustee',
  MEMBER = 'member',
  ACCOUNTING_OFFICER = 'accounting_officer',
  CHIEF_FINANCIAL_OFFICER = 'chief_financial_officer',
  CHAIR_OF_LOCAL_GOVERNING_BODY = 'chair_of_local_governing_body',
  LOCAL_GOVERNOR = 'local_governor',
  GOVERNANCE_PROFESSIONAL = 'governance_professional',
}

/**
 * Roles that hold no seat on the board, as SQL: the clerk (governance professional), a trust's members
 * (who appoint the board), its accounting officer and chief financial officer (officers). Governance
 * health counts seats without them.
 */
export const NOT_SEATS = `('governance_professional', 'member', 'accounting_officer', 'chief_financial_officer')`;

/** GIAS appointing bodies: who put the governor on the board. */
export enum AppointingBody {
  PARENT_ELECTED = 'parent_elected',
  STAFF_ELECTED = 'staff_elected',
  LOCAL_AUTHORITY_NOMINATED = 'local_authority_nominated',
  FOUNDATION = 'foundation',
  EX_OFFICIO = 'ex_officio',
  CO_OPTED = 'co_opted',
  TRUST_MEMBERS = 'trust_members',
  BOARD_APPOINTED = 'board_appointed',
  SPONSOR_APPOINTED = 'sponsor_appointed',
  PARTNERSHIP = 'partnership',
  SECRETARY_OF_STATE = 'secretary_of_state',
}

registerEnumType(GoverningBodyKind, {
  name: 'GoverningBodyKind',
  description: 'What a governing body governs.',
  valuesConfig: {
    SCHOOL: { description: 'The governing body of one maintained school.' },
    FEDERATION: { description: 'One governing body over all the schools of a federation.' },
    TRUST_BOARD: { description: 'The board of trustees of an academy trust.' },
    LOCAL_COMMITTEE: { description: "A trust's local governing committee for one academy." },
  },
});
registerEnumType(GovernanceRole, {
  name: 'GovernanceRole',
  description: 'Role on a governing body (GIAS).',
  valuesConfig: {
    CHAIR_OF_GOVERNORS: { description: 'Chair of governors.' },
    GOVERNOR: { description: 'Governor.' },
    CHAIR_OF_TRUSTEES: { description: 'Chair of trustees.' },
    TRUSTEE: { description: 'Trustee.' },
    MEMBER: { description: 'Member of an academy trust.' },
    ACCOUNTING_OFFICER: { description: 'Accounting officer of an academy trust.' },
    CHIEF_FINANCIAL_OFFICER: { description: 'Chief financial officer of an academy trust.' },
    CHAIR_OF_LOCAL_GOVERNING_BODY: { description: 'Chair of a local governing body.' },
    LOCAL_GOVERNOR: { description: 'Local governor.' },
    GOVERNANCE_PROFESSIONAL: { description: 'Governance professional (clerk).' },
  },
});
registerEnumType(AppointingBody, {
  name: 'AppointingBody',
  description: 'Who appointed or elected the governor (GIAS).',
  valuesConfig: {
    PARENT_ELECTED: { description: 'Elected by parents.' },
    STAFF_ELECTED: { description: 'Elected by staff.' },
    LOCAL_AUTHORITY_NOMINATED: { description: 'Nominated by the local authority.' },
    FOUNDATION: { description: 'Appointed by the foundation.' },
    EX_OFFICIO: { description: 'Ex officio, e.g. the headteacher.' },
    CO_OPTED: { description: 'Co-opted by the governing body.' },
    TRUST_MEMBERS: { description: 'Appointed by the trust members.' },
    BOARD_APPOINTED: { description: 'Appointed by the board.' },
    SPONSOR_APPOINTED: { description: 'Appointed by the sponsor.' },
    PARTNERSHIP: { description: 'Partnership governor.' },
    SECRETARY_OF_STATE: { description: 'Appointed by the Secretary of State.' },
  },
});
