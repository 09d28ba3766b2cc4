/** Partners (Splynx partner / ASTPP reseller scope): stream 'partners'. */
import { makeNamedEntityDecider, type NamedEntityCommand, type NamedEntityEvent } from './named-entities.js';

export const PARTNERS_STREAM = 'partners';

export type PartnerCommand = NamedEntityCommand<'Partner'>;
export type PartnerEvent = NamedEntityEvent<'Partner'>;
export type CreatePartner = Extract<PartnerCommand, { type: 'CreatePartner' }>;
export type RenamePartner = Extract<PartnerCommand, { type: 'RenamePartner' }>;
export type DeletePartner = Extract<PartnerCommand, { type: 'DeletePartner' }>;

export const PARTNER_RULES = { notFound: 'partner.not_found', nameTaken: 'partner.name_taken', inUse: 'partner.in_use' } as const;

/** Name validated (required, ≤128). */
export const partnersDecider = makeNamedEntityDecider('Partner', 'partner', PARTNER_RULES);
