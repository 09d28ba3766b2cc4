/** The size limits of administrators and roles, read by the deciders and the HTTP DTOs alike. */
export const ADMIN_LIMITS = {
  name: 128,
  /** A role's name (its key, as in `super-administrator`) and its label. */
  roleName: 63,
  roleLabel: 128,
  reason: 500,
} as const;
