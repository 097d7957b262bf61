// Owns the actions that reach beyond the hub (publish_app_event, api) and what they need: a publisher
// and Crossbar's URL, given by the composition root. Disabled, each answers with a clear error.
import { Authenticator, Identity, authorize } from '../../auth/authenticator';
import { accountAccess } from '../../auth/account-access';
import type { Command } from '../../protocol/commands';
import { Reply, errorReply } from '../../protocol/replies';
import { ErrorText } from '../../protocol/error-texts';
import { crossbarApi } from './crossbar-api';
import { MessagePublisher, publishAppEvent } from './publish-app-event';

export interface ChannelActionsOptions {
  publisher?: MessagePublisher;
  /** Asked whether a token may publish for an account (its account tree), as for subscribe. */
  authenticator?: Authenticator;
  /** `EH_CROSSBAR_URL`; unset disables `api`. */
  crossbarUrl?: string | undefined;
  /** Shown as `App-Version` of published app events. */
  version?: string;
}

/**
 * The command handler's door to RabbitMQ publishing and Crossbar.
 * @example handler.actions = new ChannelActions({ publisher: bus, crossbarUrl: config.crossbarUrl });
 */
export class ChannelActions {
  constructor(private readonly opts: ChannelActionsOptions = {}) {}

  async publishAppEvent(identity: Identity, command: Extract<Command, { action: 'publish_app_event' }>): Promise<Reply> {
    let denied: string | undefined;
    try {
      denied = this.opts.authenticator
        ? await accountAccess(this.opts.authenticator, identity, command.event.accountId, command.authToken ?? '')
        : authorize(identity, command.event.accountId);
    } catch {
      return errorReply(command.requestId, ErrorText.authUnavailable);
    }
    if (denied) return errorReply(command.requestId, denied);
    return publishAppEvent(this.opts.publisher, command.requestId, command.event, this.opts.version ?? '0.0.0');
  }

  api(command: Extract<Command, { action: 'api' }>): Promise<Reply> {
    return crossbarApi({ baseUrl: this.opts.crossbarUrl }, command.authToken ?? '', command.requestId, command.request);
  }
}
