// Owns the stand-in session of a resume in progress: subscribed on this node to what the resumed
// session held, written to by no transport, claimed by no request, until the resuming connection takes
// its subscriptions. Nothing else.
import type { SessionTransport } from '../hub/session';
import type { Resumption, Transport } from '../hub/transport';

/** Writes nothing and claims nothing: the transport of the stand-ins below. */
function holderTransport(resumption: Resumption): Transport {
  return {
    name: 'resume-holder',
    labels: [],
    resumption,
    claimsRequest: () => false,
    claimsUpgrade: () => false,
    startsSession: () => false,
    handleRequest: () => undefined,
    handleUpgrade: () => undefined,
    deliver: () => undefined,
    close: () => Promise.resolve(),
  };
}
const HOLDERS = { 'by-command': holderTransport('by-command'), 'on-reconnect': holderTransport('on-reconnect') };

/**
 * The transport side of a stand-in holding a resumed session's rooms until its connection takes them.
 * @example const holder = new Session(new HolderSession('by-command', undefined)); await hub.subscribe(holder, account, [plan]);
 */
export class HolderSession implements SessionTransport {
  readonly remoteAddress = 'resume';
  readonly label = 'resume-holder';
  readonly generation = 'resume-holder';
  readonly endedByPeer = false;
  readonly recoverySecret = undefined;
  readonly target: Transport;
  constructor(resumption: 'by-command' | 'on-reconnect', readonly recoveryKey: string | undefined) {
    this.target = HOLDERS[resumption];
  }
  reply(): void {}
  replay(): void {}
  bufferedBytes(): number {
    return 0;
  }
  drop(): void {}
  closeForCredentials(): void {}
}
