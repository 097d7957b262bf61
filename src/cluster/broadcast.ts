// Owns server-side pushes to a room on every node: each node writes the push to its own members
// through its hub's fan-out (every transport), and the Redis adapter only carries the request between
// nodes and their answers. No HTTP here.
import Joi from 'joi';
import type { Server } from 'socket.io';
import { BROADCAST_ROUTING_KEY } from '../hub/hub';
import { roomName } from '../hub/room-name';
import { SOCKET_IO_RESERVED } from '../protocol/socket-event-names';
import { askOtherNodes } from './ask-nodes';

/** One push: a named event with a JSON object, to every member of one room. */
export interface BroadcastMessage {
  room: string;
  event: string;
  data: Record<string, unknown>;
}

/** How many members one node holds in the room. */
export interface NodeReach {
  node: string;
  members: number;
}

export interface BroadcastResult {
  room: string;
  event: string;
  /** Members reached on each node that answered, this one first. */
  nodes: NodeReach[];
  members: number;
  /** Set when other nodes could not be asked (Redis away) or did not all answer in time. */
  warning?: string;
}

/** The `routing_key` broadcast envelopes carry. */
export { BROADCAST_ROUTING_KEY };
/** The inter-node event that carries a broadcast. */
const SERVER_EVENT = 'eh:broadcast';
/** Names a Socket.IO server cannot emit, and `message`, which carries envelopes. */
const RESERVED = [...SOCKET_IO_RESERVED, 'message'];

/**
 * The request body of `POST /api/broadcast`: `room`, or `account_id` with `binding`; an event name; an object.
 * @example broadcastSchema.validate({ account_id: 'a…', binding: 'call.*.*', event: 'maintenance', data: { in: '5m' } })
 */
export const broadcastSchema = Joi.object({
  room: Joi.string().min(3).max(1024).pattern(/^[^/]+\/.+$/, 'account_id/binding'),
  account_id: Joi.string().min(1).max(128).pattern(/^[^/\s]+$/, 'no slash or space'),
  binding: Joi.string().min(1).max(1024),
  event: Joi.string()
    .pattern(/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/, 'letters, digits, _ . : -')
    .invalid(...RESERVED)
    .required(),
  data: Joi.object().unknown(true).default({}),
})
  .xor('room', 'account_id')
  .and('account_id', 'binding')
  .without('room', 'binding');

/** A validated request body turned into a message (room named from account and binding when given so). */
export function toBroadcastMessage(body: { room?: string; account_id?: string; binding?: string; event: string; data: Record<string, unknown> }): BroadcastMessage {
  const room = body.room ?? roomName(body.account_id!, body.binding!);
  return { room, event: body.event, data: body.data };
}

export interface BroadcasterOptions {
  /** The server whose adapter reaches the other nodes (Redis in a cluster). */
  io: Server;
  node: string;
  /** This node's fan-out: writes a push to the room's local members; returns how many. */
  fanout: { broadcast(room: string, event: string, data: Record<string, unknown>): number };
  /** How long other nodes have to report their reach (the adapter's request timeout). */
  ackTimeoutMs: number;
}

/**
 * Pushes to a room cluster-wide. Works alone too (in-memory adapter): then only this node is told.
 * @example const b = new Broadcaster(opts); b.enableCluster(() => link.up); await b.send({ room: 'a…/call.*.*', event: 'notice', data: {} });
 */
export class Broadcaster {
  private clustered = false;
  private redisUp: () => boolean = () => false;

  constructor(private readonly opts: BroadcasterOptions) {}

  /** Call once the Redis adapter is attached: other nodes now receive and acknowledge pushes. */
  enableCluster(redisUp: () => boolean): void {
    if (this.clustered) return;
    this.clustered = true;
    this.redisUp = redisUp;
    this.opts.io.on(SERVER_EVENT, (msg: BroadcastMessage, ack?: (reach: NodeReach) => void) => {
      const reach = this.deliverLocally(msg);
      if (typeof ack === 'function') ack(reach);
    });
  }

  /** Sends one push; resolves with each node's reach once every node answered or the wait ran out. */
  async send(msg: BroadcastMessage): Promise<BroadcastResult> {
    const nodes = [this.deliverLocally(msg)];
    let warning: string | undefined;
    if (this.clustered && !this.redisUp()) {
      warning = "Redis unreachable: only this node's members were reached";
    } else if (this.clustered) {
      const { answers, shortfall } = await askOtherNodes<NodeReach>(this.opts.io, SERVER_EVENT, [msg], this.opts.ackTimeoutMs);
      nodes.push(...answers);
      if (shortfall !== undefined) warning = `other nodes not all reached: ${shortfall}`;
    }
    const members = nodes.reduce((n, r) => n + r.members, 0);
    return warning === undefined ? { room: msg.room, event: msg.event, nodes, members } : { room: msg.room, event: msg.event, nodes, members, warning };
  }

  /** Writes the push to this node's members of the room, every transport; returns their count. */
  private deliverLocally(msg: BroadcastMessage): NodeReach {
    return { node: this.opts.node, members: this.opts.fanout.broadcast(msg.room, msg.event, msg.data) };
  }
}
