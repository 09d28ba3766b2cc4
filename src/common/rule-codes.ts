/**
 * Every rule code the API can answer, with its HTTP status and what it means. The `rule` field of a
 * problem+json answer (and of a Socket.IO error) is one of these; the problem's `type` is
 * `https://chronicle.dev/problems/<rule>`. Style: dotted lowercase with underscores, `<area>.<rule>`.
 *
 * The HTTP error mapper takes the status from here, docs/rule-codes.md is rendered from here
 * (`npm run rules:write`), and test/common/rule-codes.spec.ts fails when the code emits a rule
 * that is not listed, or when one listed here is emitted nowhere.
 */
export interface RuleCode {
  status: number;
  meaning: string;
}

const request = {
  'request.validation_failed': { status: 422, meaning: 'One or more fields are malformed; `errors[]` names each field (full path) and the rule it broke' },
  'request.malformed_json': { status: 400, meaning: 'The request body is not valid JSON' },
  'request.body_too_large': { status: 413, meaning: 'The request body is larger than the server accepts (256 kB)' },
  'request.unsupported_media_type': { status: 415, meaning: 'A request body that is not JSON (send `Content-Type: application/json`)' },
  'request.malformed_if_match': { status: 400, meaning: '`If-Match` does not hold one stream revision as returned in the `ETag` header' },
  'request.nesting_too_deep': { status: 400, meaning: 'The JSON body nests arrays / objects deeper than 32 levels (refused before it is parsed)' },
  'request.invalid_text': { status: 422, meaning: 'A string of the body (value or key), the query or the path holds NUL (U+0000) or a lone surrogate; `errors[]` names each field' },
  'request.unsafe_number': { status: 422, meaning: 'A number of the body is beyond ±9007199254740991 (it would have been rounded); `errors[]` names each field' },
  'request.malformed_id': { status: 400, meaning: 'A path id that is not a positive integer' },
  'request.route_not_found': { status: 404, meaning: 'No endpoint answers this method and path' },
  'request.rate_limited': { status: 429, meaning: 'Too many requests of a limited kind: checks of one’s own password and secret reveals per account, exports / rebuilds / time travel per client; wait `Retry-After` seconds' },
  'request.rejected': { status: 400, meaning: 'Any other malformed request (the status says which, 4xx)' },
} satisfies Record<string, RuleCode>;

/** Reasons on writes (every write body may carry `reason`; the customer settings can require one). */
const reason = {
  'reason.required': {
    status: 422,
    meaning: 'The customer settings (`reasonRequiredFor`) require a `reason` for this action and the body gave none; `errors[]` names `reason`',
  },
} satisfies Record<string, RuleCode>;

const revision = {
  'revision.precondition_failed': { status: 412, meaning: 'The resource changed since the revision sent in `If-Match`; read it again and retry' },
  'revision.conflict': { status: 409, meaning: 'Too many concurrent changes to the same resource; retry the request' },
} satisfies Record<string, RuleCode>;

const idempotency = {
  'idempotency_key.malformed': { status: 400, meaning: '`Idempotency-Key` is not 1 to 255 printable ASCII characters' },
  'idempotency_key.reused': { status: 422, meaning: 'This `Idempotency-Key` was used by you within 24 h for another request (method, path or body); use a new key for a new request' },
  'idempotency_key.in_progress': { status: 409, meaning: 'A request with this `Idempotency-Key` is still running; retry after `Retry-After` seconds to get its answer' },
  'idempotency_key.committed': {
    status: 409,
    meaning: 'The first request with this `Idempotency-Key` committed its changes but stopped before its answer was recorded; nothing was written again (`writes` says where its events are)',
  },
} satisfies Record<string, RuleCode>;

const auth = {
  'auth.missing_token': { status: 401, meaning: 'No access token: send `Authorization: Bearer <token>`' },
  'auth.invalid_token': { status: 401, meaning: 'The access token is malformed or forged' },
  'auth.token_expired': { status: 401, meaning: 'The access token has expired; refresh it or log in again' },
  'auth.session_revoked': { status: 401, meaning: 'The session has ended (logout, password change, deactivated admin); log in again' },
  'auth.invalid_credentials': { status: 401, meaning: 'Wrong email or password' },
  'auth.invalid_refresh_token': { status: 401, meaning: 'The refresh token is invalid, expired or already used' },
  'auth.invalid_stream_ticket': { status: 401, meaning: 'The `?ticket=` of an event stream is unknown, expired (30 s) or already used; ask `POST /api/v1/feed/tickets` for a new one' },
  'auth.forbidden': { status: 403, meaning: 'The role does not grant the permission this endpoint needs (or the endpoint declares none)' },
  'auth.reauthentication_required': { status: 403, meaning: 'Changing your own password or email needs `currentPassword`, your current password (missing or wrong)' },
  'auth.too_many_login_attempts': { status: 429, meaning: 'Too many failed logins for the account from this address, from this address, or for the account from a new address; wait `Retry-After` seconds (the delay doubles per failure)' },
} satisfies Record<string, RuleCode>;

/** The customer's portal door (impersonation tokens). */
const portal = {
  'portal.invalid_token': { status: 401, meaning: 'The portal token (from `POST /customers/{id}/impersonate`) is unknown, expired or ended' },
} satisfies Record<string, RuleCode>;

const server = {
  'server.internal_error': { status: 500, meaning: 'An unexpected error; nothing about it is disclosed (it is logged)' },
  'server.unavailable': { status: 503, meaning: 'A dependency (database, event store) is unavailable; retry after `Retry-After` seconds' },
  'metrics.token_required': { status: 401, meaning: 'METRICS_TOKEN is set: GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`' },
  'metrics.disabled': { status: 404, meaning: 'GET /metrics is off: set METRICS_TOKEN, or METRICS_ENABLED=true (the default outside production)' },
  'read_your_writes.invalid_position': { status: 400, meaning: '`minPosition` is not a global position as a write answers it; `errors[]` names the field (refused at once, before any wait)' },
  'read_your_writes.timeout': { status: 504, meaning: 'The read models did not reach `minPosition` in time; retry later' },
} satisfies Record<string, RuleCode>;

/** Socket.IO `/activity` refusals (in acks, `subscriptionError`); auth refusals use the `auth.*` rules. */
const live = {
  'live.malformed_request': { status: 400, meaning: 'A `subscribe` / `unsubscribe` payload that is not `{customerId?, after?, batch?}`' },
  'live.invalid_position': { status: 400, meaning: '`after` is not a position of this event store' },
  'live.too_many_subscriptions': { status: 429, meaning: 'The connection already holds the most subscriptions it may' },
  'live.subscription_failed': { status: 503, meaning: 'A subscription ended on a store error (`subscriptionError`); subscribe again with `after: position`' },
} satisfies Record<string, RuleCode>;

const feed = {
  'feed.invalid_position': { status: 400, meaning: '`after` (or `Last-Event-ID`) is not a position of this event store' },
} satisfies Record<string, RuleCode>;

/** The anchors of the hash chains (GET /audit/anchors). */
const audit = {
  'audit.anchor_not_found': { status: 404, meaning: 'The stream is in no anchor of that sequence (or no such anchor; a partner-restricted admin gets no proofs)' },
} satisfies Record<string, RuleCode>;

/**
 * Why a due action (src/automation) was recorded as failed, besides the decider's own rule. They
 * never answer an HTTP request; they appear as `rule` of a failed scheduled change or due action.
 */
const automation = {
  'automation.unknown_kind': { status: 409, meaning: 'A due action of a kind no handler is registered for (recorded as failed, nothing done)' },
  'automation.invalid_action': { status: 422, meaning: 'A due action whose command the decider found malformed (recorded as failed with the field errors, nothing done)' },
  'automation.attempts_exhausted': { status: 503, meaning: 'A due action that failed on infrastructure errors (database, event store) ten times; recorded as failed, nothing done' },
} satisfies Record<string, RuleCode>;

const customer = {
  'customer.not_found': { status: 404, meaning: 'No such customer (or one outside the partners the admin may see)' },
  'customer.already_exists': { status: 409, meaning: 'A customer with this id already exists' },
  'customer.balance.out_of_range': { status: 409, meaning: 'The payment or charge would take the balance beyond ±1,000,000,000,000 (money stays exact only within that range)' },
  'customer.deleted': { status: 409, meaning: 'The customer is deleted; only a restore is possible' },
  'customer.partner.unknown': { status: 409, meaning: 'The partner does not exist (or is outside the admin\'s partners)' },
  'customer.location.unknown': { status: 409, meaning: 'The location does not exist' },
  'customer.status.unchanged': { status: 409, meaning: 'The customer already has this status' },
  'customer.scheduled_change.not_found': { status: 404, meaning: 'The customer has no scheduled change with this id' },
  'customer.scheduled_change.in_the_past': { status: 409, meaning: 'A scheduled change\'s `at` (or a new `until`) is not in the future' },
  'customer.scheduled_change.status_unreachable': { status: 409, meaning: 'A scheduled status no status change can ever reach (New)' },
  'customer.scheduled_change.until_not_after_at': { status: 409, meaning: 'A hold\'s `until` is not after its `at`' },
  'customer.scheduled_change.not_pending': { status: 409, meaning: 'The scheduled change already ran, failed or was cancelled; only a pending one can be edited or cancelled' },
  'customer.scheduled_change.already_started': { status: 409, meaning: 'The hold has started: only its `until` and `reason` can change (cancel it to end it without a return)' },
  'customer.scheduled_change.too_many': { status: 409, meaning: 'The customer already has the most pending scheduled changes allowed (50)' },
  'customer.status.transition_not_allowed': { status: 409, meaning: 'The status cannot change from the current one to the requested one' },
  'customer.delete.requires_inactive': { status: 409, meaning: 'Only an Inactive customer can be deleted' },
  'customer.restore.requires_deleted': { status: 409, meaning: 'Only a deleted customer can be restored' },
  'customer.convert_to_lead.requires_new': { status: 409, meaning: 'Only a New customer can be converted to a lead' },
  'customer.lead.not_a_customer': { status: 409, meaning: 'The customer is a lead: convert it back first' },
  'customer.lead.not_a_lead': { status: 409, meaning: 'The customer is not a lead' },
  'customer.voip.account_number_read_only': { status: 409, meaning: 'The VoIP account number cannot change after creation' },
  'customer.billing.credit_limit_requires_postpaid': { status: 409, meaning: 'A credit limit applies only to postpaid accounts' },
  'customer.comment.not_found': { status: 404, meaning: 'No such comment on this customer' },
  'customer.note.not_found': { status: 404, meaning: 'No such note on this customer' },
  'customer.cap.grant.not_found': { status: 404, meaning: 'No such CAP grant on this customer' },
  'customer.cap.grant_already_revoked': { status: 409, meaning: 'The CAP grant is already revoked' },
  'customer.cap.grant_already_expired': { status: 409, meaning: 'The CAP grant has already expired (the automation recorded it)' },
  'customer.voip.already_expired': { status: 409, meaning: 'The VoIP account has already expired at this expiry time' },
  'customer.automation.disabled': { status: 409, meaning: 'An automatic rule was not taken: its switch is off in the customer settings (for the customer\'s partner)' },
  'customer.automation.not_due': { status: 409, meaning: 'An automatic rule was not taken: its condition does not hold (any more) at its due time, or that time has not come' },
  'customer.automation.not_blocked_automatically': { status: 409, meaning: 'The automation lifts or follows up only its own blocks; this customer was blocked by hand (or is not blocked)' },
  'customer.hardware.already_assigned': { status: 409, meaning: 'The hardware item is already assigned to this customer' },
  'customer.hardware.not_found': { status: 404, meaning: 'The hardware item is not assigned to this customer' },
  'customer.hardware.assigned_elsewhere': { status: 409, meaning: 'The inventory item is assigned to another customer; unassign it there first' },
  'customer.contact.not_found': { status: 404, meaning: 'No such contact on this customer' },
  'customer.address.not_found': { status: 404, meaning: 'No such address on this customer' },
  'customer.revert.revision.not_found': { status: 404, meaning: 'POST /customers/{id}/revert: the customer has no event at this revision' },
  'customer.revert.not_revertible': { status: 409, meaning: 'The event at this revision records nothing a command can take back (creation, money, reveals, logins as the customer, a PIN change)' },
  'customer.revert.already_reverted': { status: 409, meaning: 'A later revert already undid the change at this revision' },
  'customer.revert.superseded': { status: 409, meaning: 'A field the change set has changed again since; revert the later change first (`details.fields`)' },
  'customer.erase.balance_not_zero': { status: 409, meaning: 'The personal data is not erased while the balance is not zero: settle it first (money movements stay after an erasure)' },
  'customer.erase.requires_inactive': { status: 409, meaning: 'The customer settings (`erasureRequires: inactive`) allow erasing only an Inactive customer' },
  'customer.erase.requires_deleted': { status: 409, meaning: 'The customer settings (`erasureRequires: deleted`) allow erasing only a deleted customer' },
  'customer.erase.already_erased': { status: 409, meaning: 'The personal data of this customer was already erased' },
  'customer.personal_data_erased': { status: 409, meaning: 'The personal data of this customer was erased: the change would record new personal data (name, contacts, address, comment or note text …)' },
  'customer.login.taken': { status: 409, meaning: 'The portal login is not available (logins are unique over every partner; the answer never says who holds it)' },
  'customer.account_number.taken': { status: 409, meaning: 'The VoIP account number is not available (unique over every partner, never reused; the answer never says who holds it)' },
  'customer.additional_field.taken': { status: 409, meaning: 'The value of a unique additional field is not available (unique over every partner; the answer never says who holds it)' },
} satisfies Record<string, RuleCode>;

const referenceData = {
  'partner.not_found': { status: 404, meaning: 'No such partner (or one outside the admin\'s partners)' },
  'partner.name_taken': { status: 409, meaning: 'Another partner already has this name' },
  'partner.in_use': { status: 409, meaning: 'Customers still belong to the partner' },
  'partner.create.requires_all_partners': { status: 403, meaning: 'Only an admin over all partners may create partners' },
  'location.not_found': { status: 404, meaning: 'No such location' },
  'location.name_taken': { status: 409, meaning: 'Another location already has this name' },
  'location.in_use': { status: 409, meaning: 'Customers are still at the location' },
  'location.shared': { status: 403, meaning: 'A customer outside the admin’s partners uses the location: only an admin over every partner renames or deletes it' },
  'reference_data.all_partners_required': { status: 403, meaning: 'Additional-field definitions and customer settings apply to every partner: only an admin over every partner changes them' },
  'additional_field.not_found': { status: 404, meaning: 'No additional field of this name is defined' },
  'additional_field.already_defined': { status: 409, meaning: 'An additional field of this name is already defined' },
  'additional_field.type_immutable': { status: 409, meaning: 'The type of an additional field cannot change' },
} satisfies Record<string, RuleCode>;

const admins = {
  'admin.not_found': { status: 404, meaning: 'No such administrator (or one the acting admin may not manage)' },
  'admin.already_exists': { status: 409, meaning: 'The administrator already exists' },
  'admin.email_taken': { status: 409, meaning: 'Another administrator already uses this email' },
  'admin.role.unknown': { status: 409, meaning: 'The role does not exist' },
  'admin.partner.unknown': { status: 409, meaning: 'A partner in `partnerIds` does not exist' },
  'admin.forbidden': { status: 403, meaning: 'The role or partners would grant more than the acting admin holds' },
  'admin.self_privileges': { status: 409, meaning: 'An admin cannot change their own role or partners' },
  'admin.self_deactivation': { status: 409, meaning: 'An admin cannot deactivate themselves' },
  'admin.last_super_administrator': { status: 409, meaning: 'The last active super-administrator cannot be deactivated or demoted' },
  'role.not_found': { status: 404, meaning: 'No such role' },
  'role.name_taken': { status: 409, meaning: 'A role of this name already exists' },
  'role.built_in': { status: 409, meaning: 'Built-in roles cannot be changed or removed' },
  'role.in_use': { status: 409, meaning: 'The role is still assigned to administrators' },
  'role.forbidden': { status: 403, meaning: 'The role would grant permissions the acting admin does not hold' },
  'role.all_partners_required': { status: 403, meaning: 'Roles are shared by every partner: only an administrator over every partner defines, changes or removes one' },
} satisfies Record<string, RuleCode>;

/** Operator endpoints (GET /projections, /projections/{name}/rebuild). */
const operations = {
  'projection.not_found': { status: 404, meaning: 'No projection of this name is registered (GET /projections lists them)' },
  'rebuild.not_found': { status: 404, meaning: 'No rebuild of this projection was started in this app instance since it started' },
} satisfies Record<string, RuleCode>;

export const RULE_CODES = { ...request, ...reason, ...revision, ...idempotency, ...auth, ...server, ...live, ...feed, ...audit, ...automation, ...customer, ...referenceData, ...admins, ...operations, ...portal } as const;

export type Rule = keyof typeof RULE_CODES;

/** `<area>.<rule>`: lowercase words with underscores, separated by dots. */
export const RULE_CODE_STYLE = /^[a-z][a-z_]*(\.[a-z][a-z_]*)+$/;

export function isKnownRule(rule: string): rule is Rule {
  return Object.prototype.hasOwnProperty.call(RULE_CODES, rule);
}

/**
 * The HTTP status of a domain rule: the registry's, else by its suffix (`.not_found` 404,
 * `.forbidden` 403, other refusals 409), so an unlisted rule still answers sensibly (the rule-code
 * test fails on it).
 */
export function statusOfRule(rule: string): number {
  if (isKnownRule(rule)) return RULE_CODES[rule].status;
  if (rule.endsWith('.not_found')) return 404;
  if (rule.endsWith('.forbidden')) return 403;
  return 409;
}
