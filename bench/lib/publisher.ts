// A load-generator child that publishes KAZOO call events as ecallmgr does (`callevt`,
// `call.CHANNEL_CREATE.{encoded call id}`), stamped with a sequence number and a monotonic send time.
// Two paces: a window of events in flight (as fast as delivery keeps up) or a fixed rate. Entry point.
import * as amqp from 'amqplib';
import { guardChild, tellParent } from './child-guard';
import { monotonicMicros } from './histogram';
import type { PublisherCommand, PublisherReport, PublishTarget } from './messages';
import { callEvent, callRoutingKey } from '../../src/simulator/kazoo-events';

guardChild('publisher');

interface Prepared {
  routingKey: string;
  /** The event's JSON without its opening brace; the stamp goes in front. */
  rest: string;
}

let channel: amqp.Channel | undefined;
let connection: amqp.ChannelModel | undefined;
let prepared: Prepared[] = [];
let seq = 0;
let completed = 0;
let stalled = 0;
let stopped = false;
const inFlight = new Map<number, number>(); // seq → sent at (ms)

const send = (report: PublisherReport) => tellParent(report);

function prepare(targets: PublishTarget[]): Prepared[] {
  return targets.map(({ accountId, callId }) => ({
    routingKey: callRoutingKey('CHANNEL_CREATE', callId),
    rest: JSON.stringify(callEvent('CHANNEL_CREATE', accountId, callId)).slice(1),
  }));
}

/** Publishes the next event (targets taken round-robin); false when the channel wants to drain. */
function publishOne(): boolean {
  const target = prepared[seq % prepared.length]!;
  const body = `{"bench_seq":${seq},"bench_sent_us":${monotonicMicros()},${target.rest}`;
  inFlight.set(seq, Date.now());
  seq++;
  return channel!.publish('callevt', target.routingKey, Buffer.from(body), { contentType: 'application/json' });
}

async function runWindow(cmd: Extract<PublisherCommand, { mode: 'window' }>): Promise<void> {
  const started = Date.now();
  const end = started + cmd.durationMs;
  let draining = false;
  const pump = () => {
    if (draining || stopped || Date.now() >= end) return;
    while (inFlight.size < cmd.window && seq < cmd.maxEvents) {
      if (!publishOne()) {
        draining = true;
        channel!.once('drain', () => {
          draining = false;
          pump();
        });
        return;
      }
    }
  };
  await new Promise<void>((resolve) => {
    // One clock: gives up on stalled events (lost deliveries) and ends the run; completions call pump directly.
    const clock = setInterval(() => {
      const now = Date.now();
      if (stopped || now >= end || (seq >= cmd.maxEvents && inFlight.size === 0)) {
        clearInterval(clock);
        resolve();
        return;
      }
      for (const [s, at] of inFlight) {
        if (now - at < cmd.stallMs) break; // Map keeps insertion order: oldest first
        inFlight.delete(s);
        stalled++;
      }
      pump();
    }, 5);
    wake = pump;
    pump();
  });
  wake = undefined;
  send({ type: 'finished', published: seq, completed, stalled, elapsedMs: Date.now() - started });
}

async function runRate(cmd: Extract<PublisherCommand, { mode: 'rate' }>): Promise<void> {
  const started = Date.now();
  const end = started + cmd.durationMs;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = Date.now();
      if (stopped || now >= end || seq >= cmd.maxEvents) return resolve();
      const due = Math.min(cmd.maxEvents, Math.floor(((now - started) * cmd.perSecond) / 1000));
      while (seq < due) {
        if (!publishOne()) {
          channel!.once('drain', tick);
          return;
        }
      }
      inFlight.clear();
      setTimeout(tick, 1);
    };
    tick();
  });
  send({ type: 'finished', published: seq, completed: seq, stalled: 0, elapsedMs: Date.now() - started });
}

/** Called when completions free room in the window. */
let wake: (() => void) | undefined;

process.on('message', (cmd: PublisherCommand) => {
  switch (cmd.type) {
    case 'start':
      void (async () => {
        connection = await amqp.connect(cmd.amqpUrl, { noDelay: true }); // no Nagle: every event leaves at once
        channel = await connection.createChannel();
        await channel.assertExchange('callevt', 'topic', { durable: false });
        prepared = prepare(cmd.targets);
        send({ type: 'connected' });
        if (cmd.mode === 'window') await runWindow(cmd);
        else await runRate(cmd);
        await connection.close().catch(() => undefined);
      })().catch((err: Error) => {
        process.stderr.write(`publisher: ${err.message}\n`);
        process.exit(1);
      });
      break;
    case 'done': {
      let freed = false;
      for (const s of cmd.seqs) {
        if (inFlight.delete(s)) {
          completed++;
          freed = true;
        }
      }
      if (freed) wake?.();
      break;
    }
    case 'stop':
      stopped = true;
      break;
  }
});
