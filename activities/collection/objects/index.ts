import type { CollectedObject } from '../../../workflows/definitions';
import { loginHistorySpec } from './login-history';
import { permissionSetSpec } from './permission-set';
import { permissionSetAssignmentSpec } from './permission-set-assignment';
import type { ObjectSpec } from './types';
import { userSpec } from './user';
import { userLicenseSpec } from './user-license';
import { userLoginSpec } from './user-login';

export type { ObjectSpec, RowKey, SqlHandle } from './types';

export const objectSpecs: Record<CollectedObject, ObjectSpec<unknown>> = {
  User: userSpec as ObjectSpec<unknown>,
  UserLogin: userLoginSpec as ObjectSpec<unknown>,
  UserLicense: userLicenseSpec as ObjectSpec<unknown>,
  PermissionSet: permissionSetSpec as ObjectSpec<unknown>,
  PermissionSetAssignment: permissionSetAssignmentSpec as ObjectSpec<unknown>,
  LoginHistory: loginHistorySpec as ObjectSpec<unknown>,
};
