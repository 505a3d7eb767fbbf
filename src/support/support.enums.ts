import { registerEnumType } from 'type-graphql';

export enum SupportArea {
  TEACHING_AND_LEARNING = 'teaching_and_learning',
  LEADERSHIP = 'leadership',
  DATA_AND_ASSESSMENT = 'data_and_assessment',
  GOVERNANCE = 'governance',
  SEND = 'send',
  LITERACY = 'literacy',
  NUMERACY = 'numeracy',
  WELSH_LANGUAGE = 'welsh_language',
  BUSINESS_SERVICES = 'business_services',
}

registerEnumType(SupportArea, {
  name: 'SupportArea',
  description: 'Area in which one school supports another.',
  valuesConfig: {
    TEACHING_AND_LEARNING: { description: 'Teaching and learning.' },
    LEADERSHIP: { description: 'Leadership.' },
    DATA_AND_ASSESSMENT: { description: 'Data and assessment.' },
    GOVERNANCE: { description: 'Governance.' },
    SEND: { description: 'Special educational needs and disabilities.' },
    LITERACY: { description: 'Literacy.' },
    NUMERACY: { description: 'Numeracy.' },
    WELSH_LANGUAGE: { description: 'Welsh language.' },
    BUSINESS_SERVICES: { description: 'Business services (finance, HR, estates).' },
  },
});
