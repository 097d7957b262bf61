// The command pipeline's ordering guarantee, without sockets: commands of one session run in arrival
// order, and one that fails on its way out does not stop the ones behind it.
import pino from 'pino';
import type { Authenticator } from '../../src/auth/authenticator';
import { BindingCatalogue } from '../../src/bindings/catalogue';
import { CommandHandler } from '../../src/hub/command-handler';
import { Hub } from '../../src/hub/hub';
import type { SessionTransport } from '../../src/hub/session';
import type { Reply } from '../../src/protocol/replies';
import { RecordingTarget } from '../helpers/memory-hub';

const logger = pino({ level: 'silent' });
const authenticator: Authenticator = {
  authenticate: async () => ({ ok: true, identity: { accountId: 'a'.repeat(32), descendants: new Set(), superduper: false } }),
};

function setup() {
  const catalogue = new BindingCatalogue();
  const hub = new Hub({ catalogue, bus: { acquire: async () => undefined, release: () => undefined }, logger, bindTimeoutMs: 1000, maxBindingsPerConnection: 10 });
  const handler = new CommandHandler({ hub, authenticator, catalogue, logger });
  const replies: Reply[] = [];
  let failNext = false;
  const transport: SessionTransport = {
    generation: 'websocket',
    label: 'websocket',
    target: new RecordingTarget('test'),
    remoteAddress: '127.0.0.1',
    recoveryKey: undefined,
    recoverySecret: undefined,
    endedByPeer: false,
    replay: () => undefined,
    bufferedBytes: () => 0,
    drop: () => undefined,
    closeForCredentials: () => undefined,
    reply(reply) {
      if (failNext) {
        failNext = false;
        throw new Error('the socket refused the write');
      }
      replies.push(reply);
    },
  };
  const session = hub.openSession(transport);
  return { handler, session, replies, failOnce: () => (failNext = true) };
}

it('keeps running a session’s later commands after one reply could not be written', async () => {
  const { handler, session, replies, failOnce } = setup();
  failOnce();
  await expect(handler.handleText(session, '{"action":"ping","auth_token":"t","request_id":"lost"}')).rejects.toThrow('refused');
  await handler.handleText(session, '{"action":"ping","auth_token":"t","request_id":"next"}');
  expect(replies.map((r) => r.request_id)).toEqual(['next']);
});
