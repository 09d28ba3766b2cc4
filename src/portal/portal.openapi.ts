/** OpenAPI schema of the portal's answer. */
import { namedSchema, oa } from '../common/openapi/schema.js';

export interface PortalMe {
  customerId: number;
  login: string;
  fullName: string;
  status: string;
  billingType: string;
  emails: string[];
  phones: string[];
  street: string | null;
  zipCode: string | null;
  city: string | null;
  balance: number;
  bonusMegabytesTotal: number;
  session: { impersonated: true; expiresAt: string };
}

export const PORTAL_ME_SCHEMA = namedSchema(
  'PortalMe',
  oa.object<PortalMe>({
    customerId: oa.integer(),
    login: oa.string(),
    fullName: oa.string(),
    status: oa.string(),
    billingType: oa.string(),
    emails: oa.array(oa.string()),
    phones: oa.array(oa.string()),
    street: oa.nullable(oa.string()),
    zipCode: oa.nullable(oa.string()),
    city: oa.nullable(oa.string()),
    balance: oa.number({ description: 'In the currency of the customer settings' }),
    bonusMegabytesTotal: oa.integer(),
    session: oa.object<PortalMe['session']>({
      impersonated: oa.boolean('Always true today: the session was opened by an admin through POST /customers/{id}/impersonate'),
      expiresAt: oa.dateTime('When the portal token stops working'),
    }),
  }),
);
