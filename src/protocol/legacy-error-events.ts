// Owns KAZOO 3.x's error events for Socket.IO pages: `auth_failure` for token problems, `error` otherwise.
import { ErrorText } from './error-texts';

export interface LegacyErrorEvent {
  name: 'auth_failure' | 'error';
  payload: { message: string; cause?: string };
}

/**
 * The 3.x event for an error reply text.
 * @example legacyErrorEvent("failed to authenticate token x", "x") // {name:"auth_failure", payload:{message:"invalid auth token", cause:"x"}}
 */
export function legacyErrorEvent(text: string, authToken: string | undefined): LegacyErrorEvent {
  const authProblem = text === ErrorText.tokenRequired || text.startsWith('failed to authenticate token');
  if (!authProblem) return { name: 'error', payload: { message: text } };
  return { name: 'auth_failure', payload: authToken ? { message: 'invalid auth token', cause: authToken } : { message: 'invalid auth token' } };
}
