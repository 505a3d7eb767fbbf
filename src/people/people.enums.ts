import { registerEnumType } from 'type-graphql';

export enum StaffRole {
  EXECUTIVE_HEAD = 'executive_head',
  CEO = 'ceo',
  HEADTEACHER = 'headteacher',
  HEAD_OF_SCHOOL = 'head_of_school',
  DEPUTY_HEAD = 'deputy_head',
  TEACHER = 'teacher',
  SENCO = 'senco',
  BUSINESS_MANAGER = 'business_manager',
  DESIGNATED_SAFEGUARDING_LEAD = 'designated_safeguarding_lead',
  /** Leads peer reviews of partner schools; told of alerts that call for one. */
  PEER_REVIEW_LEAD = 'peer_review_lead',
}

registerEnumType(StaffRole, {
  name: 'StaffRole',
  description: 'A staff role held in a school or group.',
  valuesConfig: {
    EXECUTIVE_HEAD: { description: 'Executive head over several schools.' },
    CEO: { description: 'Chief executive of a trust.' },
    HEADTEACHER: { description: 'Headteacher.' },
    HEAD_OF_SCHOOL: { description: 'Head of school under an executive head.' },
    DEPUTY_HEAD: { description: 'Deputy headteacher.' },
    TEACHER: { description: 'Teacher.' },
    SENCO: { description: 'Special educational needs co-ordinator.' },
    BUSINESS_MANAGER: { description: 'School business manager.' },
    DESIGNATED_SAFEGUARDING_LEAD: { description: 'Designated safeguarding lead.' },
    PEER_REVIEW_LEAD: { description: 'Leads peer reviews of partner schools; told of alerts that call for one.' },
  },
});
