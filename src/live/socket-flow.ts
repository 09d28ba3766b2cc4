import type { Socket } from 'socket.io';

/**
 * Flow control for one Socket.IO connection. Socket.IO has no backpressure of its own: `emit`
 * appends to engine.io's write buffer, which grows for as long as the client (or its network)
 * does not take the data. We stop sending while that buffer holds `highWaterMark` packets and
 * resume on its 'drain' (emitted each time it is flushed to the transport). Packets accepted but not
 * yet handed to engine.io (the gateway's outbox, `queued`) count towards the same bound.
 */
export class SocketFlow {
  private waiters: (() => void)[] = [];
  private readonly conn: Socket['conn'];

  constructor(
    private readonly socket: Socket,
    private readonly highWaterMark = 64,
    private readonly queued: () => number = () => 0,
  ) {
    this.conn = socket.conn;
    const release = () => this.release();
    this.conn.on('drain', release);
    this.conn.once('close', release);
    socket.once('disconnect', release);
  }

  get connection(): Socket['conn'] {
    return this.conn;
  }

  get buffered(): number {
    return ((this.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0) + this.queued();
  }

  isOpen(): boolean {
    return this.socket.connected;
  }

  writable(): boolean {
    return this.socket.connected && this.buffered < this.highWaterMark;
  }

  whenWritable(): Promise<void> {
    if (this.writable() || !this.isOpen()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
