package dev.orca.collective.internal;

import dev.orca.collective.internal.HostGroup.ChainWait;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * The chain's ends on a worker of a host group: the partial sums come into, and go out of, the
 * host's windows in the group's memory, where its members fold them; the result comes back into the
 * host's result window, where every member takes it. This worker may be the host's first (it
 * receives partial sums and sends results back), its last (it sends partial sums and receives
 * results), or neither (its links to its neighbours on this host carry only the OP headers).
 */
final class GroupSide extends ChainSide {
  private final HostGroup group;
  private final GroupMemory mem;
  private final boolean lastHost;
  private final ByteBuffer[] incomingBytes;
  private final ByteBuffer[] outgoingBytes;
  private final ByteBuffer[] resultInBytes;
  private final ByteBuffer[] resultOutBytes;

  GroupSide(HostGroup group, boolean lastHost) {
    this.group = group;
    this.mem = group.memory();
    this.lastHost = lastHost;
    this.incomingBytes = mem.areaBytes(GroupMemory.INCOMING);
    this.outgoingBytes = mem.areaBytes(GroupMemory.OUTGOING);
    this.resultInBytes = mem.areaBytes(GroupMemory.RESULT);
    this.resultOutBytes = mem.areaBytes(GroupMemory.RESULT);
  }

  private int block(long p) {
    return (int) (p % mem.window);
  }

  @Override
  void incoming(long p, FloatBuffer buffer, int pos, int n, Place place, String doing)
      throws LinkFailure {
    group.awaitChain(ChainWait.INCOMING_FREE, p, doing);
    place.ofBlock(mem.area(GroupMemory.INCOMING, block(p)), incomingBytes[block(p)]);
  }

  @Override
  void incomingArrived(long p, FloatBuffer buffer, int pos, int n) {
    group.chainMoved(Control.INCOMING, p + 1);
  }

  @Override
  void partial(long p, FloatBuffer buffer, int pos, int n, Place place, String doing)
      throws LinkFailure {
    group.awaitChain(ChainWait.PARTIAL_READY, p, doing);
    place.ofBlock(mem.area(GroupMemory.OUTGOING, block(p)), outgoingBytes[block(p)]);
  }

  @Override
  void partialSent(long p) {
    group.chainMoved(Control.PARTIAL_SENT, p + 1);
  }

  @Override
  void result(long p, FloatBuffer buffer, int pos, int n, Place place, String doing)
      throws LinkFailure {
    group.awaitChain(ChainWait.RESULT_FREE, p, doing);
    place.ofBlock(mem.area(GroupMemory.RESULT, block(p)), resultInBytes[block(p)]);
  }

  @Override
  void resultArrived(long p) {
    group.chainMoved(Control.RESULT_ARRIVED, p + 1);
  }

  @Override
  void resultToSend(long p, FloatBuffer buffer, int pos, int n, Place place, String doing)
      throws LinkFailure {
    group.awaitChain(ChainWait.RESULT_READY, p, doing);
    if (lastHost && mem.inJvm()) {
      place.of(buffer, pos); // the members wrote the result into every buffer, this one's too
    } else {
      place.ofBlock(mem.area(GroupMemory.RESULT, block(p)), resultOutBytes[block(p)]);
    }
  }

  @Override
  void resultSent(long p) {
    group.chainMoved(Control.RESULT_SENT, p + 1);
  }

  @Override
  boolean roundsResult() {
    return false; // the members round the result as they fold it
  }

  @Override
  void stop() {
    // the group's waits end when the worker fails or closes
  }
}
