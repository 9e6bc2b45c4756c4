export type ActionFailure = { ok: false; code: string; message: string; fieldErrors?: Record<string, string> };
export type ActionResult<T = undefined> = ({ ok: true } & (T extends undefined ? { data?: undefined } : { data: T })) | ActionFailure;

export const UNAUTHENTICATED: ActionFailure = {
  ok: false,
  code: 'UNAUTHENTICATED',
  message: 'Your session has ended. Sign in again.',
};

export function forbidden(required: string): ActionFailure {
  return { ok: false, code: 'FORBIDDEN', message: `This needs the ${required} role.` };
}
