export type ControlErrorCode = 'ORG_NOT_FOUND' | 'ORG_EXISTS' | 'INVALID_REQUEST' | 'NOT_POSSIBLE';

/** A refused control operation; the control API maps the code to an HTTP status. */
export class ControlError extends Error {
  override name = 'ControlError';
  constructor(
    readonly code: ControlErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const CONTROL_STATUS: Record<ControlErrorCode, 400 | 404 | 409 | 422> = {
  ORG_NOT_FOUND: 404,
  ORG_EXISTS: 409,
  INVALID_REQUEST: 400,
  NOT_POSSIBLE: 422,
};
