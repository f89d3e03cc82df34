import type { FindingKind } from '../finding-kinds';
import { apiOnlyUserInteractiveLogin } from './api-only-user-interactive-login';
import { bruteForce } from './brute-force';
import { dormantAccountReactivated } from './dormant-account-reactivated';
import { impossibleTravel } from './impossible-travel';
import { inactiveUserAttempts } from './inactive-user-attempts';
import { newCountry } from './new-country';
import { passwordSpray } from './password-spray';
import { privilegedUserUnused } from './privileged-user-unused';
import type { Rule } from './rule';

/** Every detection rule by kind; each rule's module holds its SQL, thresholds, severity and description. */
export const rules: Record<FindingKind, Rule> = {
  brute_force: bruteForce,
  password_spray: passwordSpray,
  impossible_travel: impossibleTravel,
  new_country: newCountry,
  dormant_account_reactivated: dormantAccountReactivated,
  inactive_user_attempts: inactiveUserAttempts,
  privileged_user_unused: privilegedUserUnused,
  api_only_user_interactive_login: apiOnlyUserInteractiveLogin,
};
