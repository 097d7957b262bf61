// Owns the actions that reach beyond the hub (publish_app_event, api) and what they need: a publisher
// and Crossbar's URL, given by the composition root. Disabled, each answers with a clear error.
// Authorization is the command pipeline's: these run for commands it already let through.
import type { Command } from '../../protocol/commands';
import type { Reply } from '../../protocol/replies';
import { crossbarApi } from './crossbar-api';
import { MessagePublisher, publishAppEvent } from './publish-app-event';

export interface ChannelActionsOptions {
  publisher?: MessagePublisher;
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

  /** Publishes an app event for an account the command's token was authorized for. */
  publishAppEvent(command: Extract<Command, { action: 'publish_app_event' }>): Reply {
    return publishAppEvent(this.opts.publisher, command.requestId, command.event, this.opts.version ?? '0.0.0');
  }

  api(command: Extract<Command, { action: 'api' }>): Promise<Reply> {
    return crossbarApi({ baseUrl: this.opts.crossbarUrl }, command.authToken ?? '', command.requestId, command.request);
  }
}
