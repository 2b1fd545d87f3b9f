package dev.orca.collective.internal;

import dev.orca.collective.RingException;
import dev.orca.common.StaleSharedMemory;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's part in the all-reduces of its host: the workers of a host sum through memory
 * ({@link GroupMemory}) instead of sockets. A reduction is cut into pieces of one chunk; every
 * member's thread walks the pieces in order through three steps:
 *
 * <ol>
 *   <li><b>post</b>: make its floats of the piece readable by the others (in one JVM: publish which
 *       buffer; in a segment: copy them into its slot);
 *   <li><b>fold</b>: sum its own slice of the piece (member {@code j} owns the {@code j}-th of
 *       {@code size} near-equal slices) over every member, in rank order, starting from the partial
 *       sum of the hosts before (if any), and write it where it belongs: into every member's floats
 *       when this host's sum is the result, else into the window the host's last worker sends to
 *       the next host;
 *   <li><b>finish</b>: once the result of the piece is complete, take it (from its slot, or from
 *       the window the result came back into).
 * </ol>
 *
 * Each step advances a counter in the member's area of the {@link Control} block; a piece uses
 * block {@code piece % window} of every window, which is reused only once everybody is done with
 * it, so a member runs at most one window ahead of the slowest. The counters are the only
 * synchronisation: a waiting thread spins briefly, then parks (woken by the others in one JVM,
 * polling across processes).
 *
 * <p>Failures follow the ring's rules: whatever this worker's threads notice (a member that gave
 * up, failed, closed, died or stopped making progress; members posting different pieces) is
 * recorded once in the worker's {@link FailureRecord} and reported where the caller waits;
 * recording it writes this member's state and reason into its area, so the other members fail at
 * once, naming it.
 */
final class HostGroup implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HostGroup.class);

  /**
   * A waiting thread spins while the group moved this recently, and parks otherwise: while pieces
   * flow, a member a little behind catches up within the time of a piece, and a park would cost at
   * least 50 us (Linux's timer slack); when a member is away computing, spinning would take its
   * core.
   */
  static final long SPIN_NANOS = 50_000;

  private static final long FIRST_PARK_NANOS = 10_000;
  private static final long MAX_POLL_NANOS = 200_000;
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final long LIVENESS_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long JOIN_MILLIS = 10_000;
  private static final int TILE = 2048;

  private final GroupMemory mem;
  private final Control c;
  private final Layout layout;
  private final int size;
  private final int me;
  private final int window;
  private final int chunk;
  private final boolean lastHost;
  private final boolean hasIncoming;
  private final boolean hasOutgoing;
  private final boolean sendsResult;
  private final boolean roundResult;
  private final WireCodec codec;
  private final long timeoutNanos;
  private final FailureRecord failures;
  private final Thread thread;

  private final Object lock = new Object();

  /**
   * Held by the thread doing the group's work ({@link #driveOnce}): the group's own thread, or the
   * caller waiting in {@link #awaitAll}. The fields below "the driver's own" are touched only under
   * it.
   */
  private final ReentrantLock driving = new ReentrantLock();

  private static final int MOVED = 0;
  private static final int IDLE = 1;
  private static final int WAITING = 2;
  private static final int CALLER_DRIVES = 3;
  private static final int FAILED = 4;
  private final ArrayDeque<LocalOp> queued = new ArrayDeque<>();
  private final ArrayDeque<LocalOp> spare = new ArrayDeque<>();
  private volatile long enqueued;
  private volatile long finishedPieces;
  private volatile Thread awaiting;
  private volatile boolean stopping;
  private volatile boolean closed;

  // the driver's own
  private long idleSince = System.nanoTime(); // when anything in the group last moved
  private long signature = -1;
  private long sinceMoved;
  private final LocalOp[] inFlight;
  private LocalOp posting;
  private int postingK;
  private long postCursor;
  private long reduceCursor;
  private long finishCursor;
  private final float[] acc = new float[TILE];
  private final float[] tmp = new float[TILE];
  private long nextLivenessCheck;
  // where each member's floats of the piece being folded are: src[m] at srcAt[m] + index in piece
  private final FloatBuffer[] src;
  private final int[] srcAt;
  private final boolean[] inSlot;
  // the members' shared buffers this one mapped (segments only), by member and token
  private final Map<Long, FloatBuffer>[] peerFloats;
  private final List<MappedByteBuffer> peerMappings = new ArrayList<>();

  /** The shape of a host group and how its members are named in messages. */
  record Layout(
      int firstRank, List<String> names, long[] pids, int host, int hosts, int chunk, int window) {
    String name(int member) {
      return "worker rank " + (firstRank + member) + " at " + names.get(member);
    }
  }

  /** A reduction as this member posted it. */
  private static final class LocalOp {
    long seq;
    FloatBuffer buffer;
    int offset;
    int length;
    long firstPiece;
    int pieces;
    long token; // of the shared buffer holding the floats (segments only), else 0
    long firstFloat; // the buffer's first float in that shared buffer

    String describe() {
      return RingOp.describe(RingOp.ALL_REDUCE, seq, offset, length);
    }
  }

  HostGroup(
      GroupMemory mem,
      Layout layout,
      int me,
      WireCodec codec,
      long timeoutNanos,
      FailureRecord failures,
      String threadName) {
    this.mem = mem;
    this.c = mem.control;
    this.layout = layout;
    this.size = mem.members;
    this.me = me;
    this.window = mem.window;
    this.chunk = mem.chunk;
    this.lastHost = layout.host() == layout.hosts() - 1;
    this.hasIncoming = layout.host() > 0;
    this.hasOutgoing = !lastHost;
    this.sendsResult = me == 0 && hasIncoming;
    this.roundResult =
        layout.hosts() > 1 && codec.compression() != dev.orca.collective.Compression.NONE;
    this.codec = codec;
    this.timeoutNanos = timeoutNanos;
    this.failures = failures;
    this.inFlight = new LocalOp[window];
    this.src = new FloatBuffer[size];
    this.srcAt = new int[size];
    this.inSlot = new boolean[size];
    @SuppressWarnings("unchecked")
    Map<Long, FloatBuffer>[] maps = new Map[size];
    for (int m = 0; m < size; m++) {
      maps[m] = new HashMap<>();
    }
    this.peerFloats = maps;
    failures.onFailure(this::publishFailure);
    this.thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  int size() {
    return size;
  }

  boolean inJvm() {
    return mem.inJvm();
  }

  GroupMemory memory() {
    return mem;
  }

  // ---------------------------------------------------------------- the caller's side

  /**
   * Posts the sum of {@code buffer[offset, offset + length)} as the pieces from {@code firstPiece};
   * never throws a ring failure (that is for {@link #awaitAll}).
   */
  void post(long seq, FloatBuffer buffer, int offset, int length, long firstPiece) {
    synchronized (lock) {
      LocalOp op = spare.isEmpty() ? new LocalOp() : spare.pollFirst();
      op.seq = seq;
      op.buffer = buffer;
      op.offset = offset;
      op.length = length;
      op.firstPiece = firstPiece;
      op.pieces = pieces(length);
      SharedBuffers.Location at =
          mem.inJvm() ? null : SharedBuffers.locate(buffer, mem.directory(), offset, length);
      op.token = at == null ? 0 : at.token();
      op.firstFloat = at == null ? 0 : at.firstFloat();
      queued.addLast(op);
      enqueued = firstPiece + op.pieces;
    }
    LockSupport.unpark(thread);
  }

  /** True while a posted reduction is not finished: the members' states are being watched. */
  boolean busy() {
    return finishedPieces < enqueued && !stopping;
  }

  int pieces(int length) {
    return (length + chunk - 1) / chunk;
  }

  /**
   * Waits until every posted piece is finished; false if it stopped first because the worker failed
   * or closes (the session reports why). The waiting thread does the group's work itself meanwhile
   * (taking turns with the group's thread): it is on a core of its own, having just computed there,
   * where the group's thread, woken by a poll, may be queued by the kernel behind another worker's
   * computation on the other core (measured on 2 CPUs: waits of about 2 ms every other step).
   */
  boolean awaitAll() {
    awaiting = Thread.currentThread();
    int pauses = 0;
    try {
      while (finishedPieces < enqueued) {
        if (failures.failure() != null || stopping) {
          return finishedPieces >= enqueued;
        }
        int state = driving.tryLock() ? driveOnce() : CALLER_DRIVES;
        if (state == MOVED) {
          pauses = 0;
        } else if (state != FAILED
            && pause(state == WAITING ? sinceMoved : Long.MAX_VALUE, pauses)) {
          pauses++;
        }
      }
      return true;
    } finally {
      awaiting = null;
    }
  }

  /**
   * Tells the other members this worker started call {@code seq} of {@code kind} on {@code length}
   * values: not an all-reduce of floats, which they would wait for in vain.
   */
  void publishCall(long seq, int kind, long length) {
    c.setMember(me, Control.CALL_KIND, kind);
    c.setMember(me, Control.CALL_LENGTH, length);
    c.setMember(me, Control.CALL_SEQ, seq);
    mem.signal();
  }

  // ---------------------------------------------------------------- the member's thread

  private void run() {
    int parks = 0;
    try {
      while (!stopping && failures.failure() == null) {
        int state = driving.tryLock() ? driveOnce() : CALLER_DRIVES;
        if (state == MOVED || state == FAILED) {
          parks = 0;
          continue;
        }
        if (state == IDLE) {
          idle(); // between reductions: nothing to wait for, no timeout
          parks = 0;
        } else if (state == CALLER_DRIVES) {
          // the caller waiting for the result does the work now, on its own core: look again
          // later (it hands back when the reduction is done, or fails)
          LockSupport.parkNanos(this, MAX_POLL_NANOS);
        } else if (pause(sinceMoved, parks)) {
          parks++;
        }
      }
    } catch (RuntimeException | Error e) {
      failures.fail(
          new RingException("the shared-memory thread of " + layout.name(me) + " failed: " + e, e));
    } finally {
      Thread t = awaiting;
      if (t != null) {
        LockSupport.unpark(t);
      }
    }
  }

  /**
   * One round of the group's work, by whichever thread holds {@link #driving} (released here):
   * finish, fold and post what can be, else check the peers. Returns {@link #MOVED}, {@link #IDLE}
   * (nothing posted is unfinished), {@link #WAITING} (for the others; {@link #sinceMoved} says how
   * long the group has not moved) or {@link #FAILED} (the failure is recorded, whichever thread
   * drove).
   */
  private int driveOnce() {
    try {
      boolean progress = false;
      while (finishCursor < reduceCursor && canFinish(finishCursor)) {
        finish(finishCursor++);
        progress = true;
      }
      while (reduceCursor < postCursor && canFold(reduceCursor)) {
        fold(reduceCursor++);
        progress = true;
      }
      while (postCursor < enqueued && postCursor - finishCursor < window) {
        post(postCursor++);
        progress = true;
      }
      long now = System.nanoTime();
      if (progress) {
        mem.signal();
        idleSince = now;
        return MOVED;
      }
      if (finishCursor == enqueued) {
        idleSince = now;
        return IDLE;
      }
      long sig = signature();
      if (sig != signature) {
        signature = sig;
        idleSince = now;
      }
      checkPeers(now, idleSince);
      sinceMoved = now - idleSince;
      return WAITING;
    } catch (GroupFailure e) {
      failures.fail(e.failure);
      return FAILED;
    } catch (RuntimeException | Error e) {
      failures.fail(
          new RingException("the shared-memory work of " + layout.name(me) + " failed: " + e, e));
      return FAILED;
    } finally {
      driving.unlock();
    }
  }

  private void idle() {
    if (mem.inJvm()) {
      mem.addWaiter(thread);
    }
    if (postCursor == enqueued && !stopping && failures.failure() == null) {
      LockSupport.parkNanos(this, IDLE_PARK_NANOS);
    }
    if (mem.inJvm()) {
      mem.removeWaiter(thread);
    }
  }

  /**
   * Spins if the group moved less than {@link #SPIN_NANOS} ago, else parks: woken by a member of
   * this JVM, or after a poll interval that grows with the number of parks. Returns true if it
   * parked.
   */
  private boolean pause(long sinceMoved, int parks) {
    if (sinceMoved < SPIN_NANOS) {
      Thread.onSpinWait();
      return false;
    }
    Thread t = Thread.currentThread();
    if (mem.inJvm()) {
      mem.addWaiter(t);
      LockSupport.parkNanos(this, MAX_POLL_NANOS * 5);
      mem.removeWaiter(t);
    } else {
      LockSupport.parkNanos(this, Math.min(MAX_POLL_NANOS, FIRST_PARK_NANOS << Math.min(5, parks)));
    }
    return true;
  }

  private LocalOp opOf(long piece) {
    return inFlight[slot(piece)];
  }

  private int slot(long piece) {
    return (int) (piece % window);
  }

  private void post(long p) {
    if (posting == null) {
      synchronized (lock) {
        posting = queued.pollFirst();
      }
      postingK = 0;
    }
    LocalOp op = posting;
    int k = postingK++;
    if (postingK == op.pieces) {
      posting = null; // the op object goes back to the caller's spares once finished
    }
    int s = slot(p);
    inFlight[s] = op;
    int pos = op.offset + k * chunk;
    int n = Math.min(chunk, op.length - k * chunk);
    int d = Control.descriptor(me, s);
    c.bytes.putLong(d + Control.D_SEQ, op.seq);
    c.bytes.putLong(d + Control.D_OFFSET, op.offset);
    c.bytes.putLong(d + Control.D_LENGTH, op.length);
    c.bytes.putLong(d + Control.D_PIECE, k);
    c.bytes.putLong(d + Control.D_TOKEN, op.token);
    c.bytes.putLong(d + Control.D_FIRST_FLOAT, op.firstFloat);
    if (mem.inJvm()) {
      mem.putBuffer(me, s, op.buffer);
    } else if (op.token == 0) {
      // the others need only the slices they own: this member folds its own from its buffer
      FloatBuffer slot = mem.slot(me, s);
      for (int j = 0; j < size; j++) {
        if (j != me) {
          int from = sliceFrom(n, j);
          slot.put(from, op.buffer, pos + from, sliceLength(n, j));
        }
      }
    }
    c.setMember(me, Control.POSTED, p + 1); // publishes the descriptor and the floats
  }

  private boolean canFold(long p) {
    for (int m = 0; m < size; m++) {
      if (c.member(m, Control.POSTED) <= p) {
        return false;
      }
    }
    if (hasIncoming && c.hostCounter(Control.INCOMING) <= p) {
      return false;
    }
    if (lastHost && !mem.inJvm()) {
      // the result window's block is free once every member took the result it held, and the
      // host's first worker has sent it back
      return allAtLeast(Control.FINISHED, p + 1 - window)
          && (!hasIncoming || c.hostCounter(Control.RESULT_SENT) >= p + 1 - window);
    }
    return !hasOutgoing || c.hostCounter(Control.PARTIAL_SENT) > p - window;
  }

  private void fold(long p) {
    int s = slot(p);
    LocalOp op = opOf(p);
    checkDescriptors(p, op, false);
    int k = (int) (p - op.firstPiece);
    int pos = op.offset + k * chunk;
    int n = Math.min(chunk, op.length - k * chunk);
    int from = sliceFrom(n, me);
    int len = sliceLength(n, me);
    boolean inJvm = mem.inJvm();
    if (inJvm && !mem.enterBuffers(me)) {
      checkStates(op.describe(), Long.MAX_VALUE); // a member stopped: it says why
      throw new GroupFailure(op.describe() + ": a worker on this host stopped", false);
    }
    try {
      boolean toArea = locateMembers(s, op, pos, n);
      foldSlice(s, from, len, toArea);
    } finally {
      if (inJvm) {
        mem.exitBuffers(me);
      }
    }
    c.setMember(me, Control.REDUCED, p + 1);
  }

  /** Start, within a piece of {@code n} floats, of the slice member {@code j} folds. */
  private int sliceFrom(int n, int j) {
    return j * (n / size) + Math.min(j, n % size);
  }

  private int sliceLength(int n, int j) {
    return n / size + (j < n % size ? 1 : 0);
  }

  /**
   * Finds where every member's floats of the piece in slot {@code s} ({@code n} floats at {@code
   * pos} in the members' buffers) are: this member's in its own buffer; the others' in their
   * buffers (one JVM), in their shared buffers (mapped here the first time) or in their slots (a
   * segment). Returns true when the result must also go into the host's result window: for a member
   * whose floats are in its slot (the others cannot write into its buffer), and for the result's
   * way back to the hosts before, which starts from the window.
   */
  private boolean locateMembers(int s, LocalOp op, int pos, int n) {
    // the host's first worker sends the result back to the hosts before from the window
    boolean toArea = lastHost && hasIncoming && !mem.inJvm();
    for (int m = 0; m < size; m++) {
      if (m == me) {
        src[m] = op.buffer;
        srcAt[m] = pos;
      } else if (mem.inJvm()) {
        src[m] = mem.buffer(m, s);
        srcAt[m] = pos;
      } else {
        int d = Control.descriptor(m, s);
        long token = c.bytes.getLong(d + Control.D_TOKEN);
        inSlot[m] = false;
        if (token == 0) {
          src[m] = mem.slot(m, s);
          srcAt[m] = 0; // a slot holds the piece from its start
          inSlot[m] = true;
          toArea = true;
        } else {
          FloatBuffer b = peerFloats(m, token, op);
          long at = c.bytes.getLong(d + Control.D_FIRST_FLOAT) + pos;
          if (at < 0 || at + n > b.capacity()) {
            throw new GroupFailure(
                op.describe()
                    + ": "
                    + layout.name(m)
                    + " announced floats beyond the end of its shared buffer ("
                    + b.capacity()
                    + " floats)",
                false);
          }
          src[m] = b;
          srcAt[m] = (int) at;
        }
      }
    }
    return toArea;
  }

  /** Member {@code m}'s shared buffer {@code token}, mapped on first use. */
  private FloatBuffer peerFloats(int m, long token, LocalOp op) {
    FloatBuffer b = peerFloats[m].get(token);
    if (b != null) {
      return b;
    }
    try {
      MappedByteBuffer mapping = SharedBuffers.map(mem.directory(), layout.pids()[m], token);
      peerMappings.add(mapping);
      b = mapping.order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
      peerFloats[m].put(token, b);
      return b;
    } catch (java.io.IOException e) {
      throw new GroupFailure(
          op.describe()
              + ": cannot map the shared buffer of "
              + layout.name(m)
              + " ("
              + SharedBuffers.fileName(layout.pids()[m], token)
              + " in "
              + mem.directory()
              + "): "
              + e,
          false);
    }
  }

  /**
   * Folds this member's slice {@code [start, start + len)} of the piece in slot {@code s}, tile by
   * tile: the incoming partial sum (if any), then every member's floats in rank order, from where
   * {@link #locateMembers} found them. On the last host the sum goes straight into every member's
   * buffer that this member can reach, and into the result window if {@code toArea}.
   */
  private void foldSlice(int s, int start, int len, boolean toArea) {
    for (int t = 0; t < len; t += TILE) {
      int tile = Math.min(TILE, len - t);
      int at = start + t; // within the piece
      int first;
      if (hasIncoming) {
        mem.area(GroupMemory.INCOMING, s).get(at, acc, 0, tile);
        first = 0;
      } else {
        src[0].get(srcAt[0] + at, acc, 0, tile);
        first = 1;
      }
      for (int m = first; m < size; m++) {
        src[m].get(srcAt[m] + at, tmp, 0, tile);
        for (int i = 0; i < tile; i++) {
          acc[i] += tmp[i];
        }
      }
      if (!lastHost) {
        mem.area(GroupMemory.OUTGOING, s).put(at, acc, 0, tile);
        continue;
      }
      if (roundResult) {
        codec.round(acc, tile);
      }
      for (int m = 0; m < size; m++) {
        if (!inSlot[m]) {
          src[m].put(srcAt[m] + at, acc, 0, tile);
        }
      }
      if (toArea) {
        mem.area(GroupMemory.RESULT, s).put(at, acc, 0, tile);
      }
    }
  }

  /** Fails if a member posted piece {@code p} of another operation ({@code posted}: if it has). */
  private void checkDescriptors(long p, LocalOp mine, boolean postedOnly) {
    int s = slot(p);
    int k = (int) (p - mine.firstPiece);
    for (int m = 0; m < size; m++) {
      if (m == me || (postedOnly && c.member(m, Control.POSTED) <= p)) {
        continue;
      }
      int d = Control.descriptor(m, s);
      long seq = c.bytes.getLong(d + Control.D_SEQ);
      long offset = c.bytes.getLong(d + Control.D_OFFSET);
      long length = c.bytes.getLong(d + Control.D_LENGTH);
      long piece = c.bytes.getLong(d + Control.D_PIECE);
      if (seq != mine.seq || offset != mine.offset || length != mine.length || piece != k) {
        throw new GroupFailure(
            mine.describe()
                + ": "
                + layout.name(m)
                + " runs "
                + RingOp.describe(RingOp.ALL_REDUCE, seq, offset, length)
                + " where this worker runs "
                + mine.describe()
                + ": every worker must make the same calls in the same order, with the same buffer"
                + " ranges",
            false);
      }
    }
  }

  private boolean canFinish(long p) {
    if (lastHost) {
      for (int m = 0; m < size; m++) {
        if (c.member(m, Control.REDUCED) <= p) {
          return false;
        }
      }
      return !sendsResult || c.hostCounter(Control.RESULT_SENT) > p;
    }
    return c.hostCounter(Control.RESULT_ARRIVED) > p;
  }

  private void finish(long p) {
    int s = slot(p);
    LocalOp op = opOf(p);
    int k = (int) (p - op.firstPiece);
    int pos = op.offset + k * chunk;
    int n = Math.min(chunk, op.length - k * chunk);
    // on the last host, the others wrote the result into this member's buffer if they could
    boolean written = lastHost && (mem.inJvm() || op.token != 0);
    FloatBuffer result = written ? null : mem.area(GroupMemory.RESULT, s);
    if (!lastHost) {
      op.buffer.put(pos, result, 0, n);
    } else if (result != null) {
      // this member's own slice is in its buffer already: it folded it there
      int from = sliceFrom(n, me);
      int to = from + sliceLength(n, me);
      op.buffer.put(pos, result, 0, from);
      op.buffer.put(pos + to, result, to, n - to);
    }
    if (mem.inJvm()) {
      mem.putBuffer(me, s, null);
    }
    inFlight[s] = null;
    c.setMember(me, Control.FINISHED, p + 1);
    if (k == op.pieces - 1) {
      retire(op);
    }
    finishedPieces = p + 1;
    Thread t = awaiting;
    if (t != null && p + 1 >= enqueued) {
      LockSupport.unpark(t);
    }
  }

  private void retire(LocalOp op) {
    op.buffer = null;
    synchronized (lock) {
      spare.addLast(op);
    }
  }

  // ---------------------------------------------------------------- waits and failures

  /** A number that changes whenever any member or the host's TCP ends make progress. */
  private long signature() {
    long s = 0;
    for (int m = 0; m < size; m++) {
      s +=
          c.member(m, Control.POSTED)
              + c.member(m, Control.REDUCED)
              + c.member(m, Control.FINISHED);
    }
    return s
        + c.hostCounter(Control.INCOMING)
        + c.hostCounter(Control.PARTIAL_SENT)
        + c.hostCounter(Control.RESULT_ARRIVED)
        + c.hostCounter(Control.RESULT_SENT);
  }

  /**
   * Fails the group if a member stopped (its state says why), its process died, it runs another
   * call, or nothing moved for the ring's timeout; {@code waitingSince} is when it last moved.
   */
  private void checkPeers(long now, long waitingSince) {
    long p = finishCursor < reduceCursor ? finishCursor : reduceCursor;
    LocalOp op = p < postCursor ? opOf(p) : null;
    if (reduceCursor < postCursor) {
      // a member that posted other pieces is named for that, as over TCP, even if it has
      // already failed on noticing it first
      checkDescriptors(reduceCursor, opOf(reduceCursor), true);
    }
    // this runs on every poll: the operation is named only when something failed (building the
    // name each time cost a string per poll and made it hot enough for C2 to compile, repeatedly)
    int stopped = stoppedMember(p);
    if (stopped >= 0) {
      if (reduceCursor < postCursor) {
        // it may have posted, seen the mismatch and stopped since the check above: then the
        // mismatch is what to name, in this worker's words (its state is read after its pieces)
        checkDescriptors(reduceCursor, opOf(reduceCursor), true);
      }
      throw stopped(doing(op), stopped);
    }
    if (!mem.inJvm() && now >= nextLivenessCheck) {
      nextLivenessCheck = now + LIVENESS_NANOS;
      for (int m = 0; m < size; m++) {
        if (m != me && !StaleSharedMemory.alive(layout.pids()[m])) {
          throw new GroupFailure(
              doing(op)
                  + ": lost "
                  + layout.name(m)
                  + ": its process (pid "
                  + layout.pids()[m]
                  + ") on this host ended",
              false);
        }
      }
    }
    LocalOp folding = reduceCursor < postCursor ? opOf(reduceCursor) : null;
    if (folding != null) {
      for (int m = 0; m < size; m++) {
        long callSeq = c.member(m, Control.CALL_SEQ);
        if (m != me && c.member(m, Control.POSTED) <= reduceCursor && callSeq >= folding.seq) {
          throw new GroupFailure(
              doing(op)
                  + ": "
                  + layout.name(m)
                  + " runs "
                  + RingOp.describe(
                      (int) c.member(m, Control.CALL_KIND),
                      callSeq,
                      0,
                      c.member(m, Control.CALL_LENGTH))
                  + " where this worker runs "
                  + folding.describe()
                  + ": every worker must make the same calls in the same order, with the same"
                  + " buffer ranges",
              false);
        }
      }
    }
    if (now - waitingSince >= timeoutNanos) {
      throw new GroupFailure(
          doing(op)
              + ": "
              + blocker(p)
              + " made no progress for "
              + Durations.text(timeoutNanos)
              + " (it is hung, far behind this worker, or stopped; RingOptions timeout sets how"
              + " long to wait)",
          false);
    }
  }

  /**
   * Fails if a member that has not yet done its part of piece {@code p} stopped: one that has (it
   * may have finished the reduction and gone on to fail elsewhere) does not stop this one.
   */
  private void checkStates(String doing, long p) {
    int stopped = stoppedMember(p);
    if (stopped >= 0) {
      throw stopped(doing, stopped);
    }
  }

  /** A member that gave up, failed or closed before finishing piece {@code p}; -1 if none. */
  private int stoppedMember(long p) {
    for (int m = 0; m < size; m++) {
      if (m == me || c.member(m, Control.REDUCED) > p) {
        continue;
      }
      long state = c.member(m, Control.STATE);
      if (state == Control.GAVE_UP || state == Control.FAILED || state == Control.CLOSED) {
        return m;
      }
    }
    return -1;
  }

  private GroupFailure stopped(String doing, int m) {
    long state = c.member(m, Control.STATE);
    if (state == Control.CLOSED) {
      return new GroupFailure(
          doing + ": lost " + layout.name(m) + ": it closed its end of the ring", false);
    }
    return new GroupFailure(
        doing + ": " + layout.name(m) + " gave up: " + c.reason(m), state == Control.GAVE_UP);
  }

  private static String doing(LocalOp op) {
    return op != null ? op.describe() : "all-reduce";
  }

  /** Who the piece {@code p} waits for, in words. */
  private String blocker(long p) {
    boolean folding = p == reduceCursor && reduceCursor < postCursor;
    int counter = folding ? Control.POSTED : Control.REDUCED;
    for (int m = 0; m < size; m++) {
      if (c.member(m, counter) <= p) {
        return layout.name(m)
            + " (on this host"
            + (mem.inJvm() ? "" : ", pid " + layout.pids()[m])
            + ")";
      }
    }
    if (folding && hasIncoming) {
      return "the previous host (worker rank " + (layout.firstRank() - 1) + ", over TCP)";
    }
    if (!lastHost) {
      return "the next host (worker rank " + (layout.firstRank() + size) + ", over TCP)";
    }
    return "this host's first worker sending the result back over TCP";
  }

  /** Writes this member's failure where the others look, once the worker's failure is recorded. */
  private void publishFailure() {
    RingException f = failures.failure();
    if (closed || f == null) {
      return;
    }
    c.putReason(me, f.getMessage());
    c.setVolatile(
        Control.member(me) + Control.STATE, f.workerGaveUp() ? Control.GAVE_UP : Control.FAILED);
    mem.signal();
    LockSupport.unpark(thread);
    Thread t = awaiting;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /** A failure found on the member's thread; recorded by {@link #run}. */
  static final class GroupFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final RingException failure;

    GroupFailure(String message, boolean workerGaveUp) {
      super(message, null, false, false);
      this.failure = new RingException(message, null, workerGaveUp);
    }
  }

  // ---------------------------------------------------------------- the chain's TCP ends

  /** What a TCP thread of this member's chain waits for before moving piece {@code p}. */
  enum ChainWait {
    INCOMING_FREE,
    PARTIAL_READY,
    RESULT_FREE,
    RESULT_READY
  }

  /**
   * Waits on a TCP thread until the group allows moving piece {@code p}; throws {@link LinkFailure}
   * (stopped) once the worker has failed or closes, or after recording a failure found here.
   */
  void awaitChain(ChainWait what, long p, String doing) throws LinkFailure {
    long since = System.nanoTime();
    long signature = -1;
    int parks = 0;
    while (!chainReady(what, p)) {
      if (stopping || failures.failure() != null) {
        throw LinkFailure.stopped("the workers of this host");
      }
      long now = System.nanoTime();
      long s = signature();
      if (s != signature) {
        signature = s;
        since = now;
      }
      try {
        checkStates(doing, what == ChainWait.INCOMING_FREE ? p - window : p);
        if (now - since >= timeoutNanos) {
          throw new GroupFailure(
              doing
                  + ": the workers of this host made no progress for "
                  + Durations.text(timeoutNanos)
                  + " ("
                  + what
                  + " of piece "
                  + p
                  + "; RingOptions timeout sets how long to wait)",
              false);
        }
      } catch (GroupFailure e) {
        failures.fail(e.failure);
        throw LinkFailure.stopped("the workers of this host");
      }
      if (pause(now - since, parks)) {
        parks++;
      }
    }
  }

  private boolean chainReady(ChainWait what, long p) {
    switch (what) {
      case INCOMING_FREE:
        return allAtLeast(Control.REDUCED, p + 1 - window);
      case PARTIAL_READY:
        return allAtLeast(Control.REDUCED, p + 1);
      case RESULT_FREE:
        return allAtLeast(Control.FINISHED, p + 1 - window)
            && (!hasIncoming || c.hostCounter(Control.RESULT_SENT) >= p + 1 - window);
      default:
        return lastHost
            ? allAtLeast(Control.REDUCED, p + 1)
            : c.hostCounter(Control.RESULT_ARRIVED) >= p + 1;
    }
  }

  private boolean allAtLeast(int field, long value) {
    for (int m = 0; m < size; m++) {
      if (c.member(m, field) < value) {
        return false;
      }
    }
    return true;
  }

  /** Publishes a host counter ({@link Control#INCOMING}, ...) moved by a TCP thread. */
  void chainMoved(int field, long pieces) {
    c.setHostCounter(field, pieces);
    mem.signal();
  }

  int window() {
    return window;
  }

  int me() {
    return me;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Marks this member closed (the others fail at once if they wait for it) and stops its thread.
   */
  void stop() {
    if (closed) {
      return;
    }
    if (c.member(me, Control.STATE) == Control.JOINED) {
      c.setVolatile(Control.member(me) + Control.STATE, Control.CLOSED);
    }
    stopping = true;
    mem.signal();
    LockSupport.unpark(thread);
    // the caller may free its buffer once closed: nobody may be inside it any more
    if (!mem.awaitNoReaders(TimeUnit.MILLISECONDS.toNanos(JOIN_MILLIS))) {
      LOG.warn(
          "{}: a worker of this host still sums in this worker's buffer after {} ms; do not free"
              + " it",
          layout.name(me),
          JOIN_MILLIS);
    }
  }

  /**
   * Stops the thread and leaves the memory; {@code release} false keeps the memory mapped (a TCP
   * thread of this worker may still touch it).
   */
  void close(boolean release) {
    stop();
    if (closed) {
      return;
    }
    closed = true;
    if (thread.isAlive() && Thread.currentThread() != thread) {
      try {
        thread.join(JOIN_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // a caller that was doing the group's work when it stopped may still be inside it: the memory
    // is released only once nobody drives (touching it unmapped would crash the JVM)
    boolean quiet = false;
    if (!thread.isAlive()) {
      try {
        quiet = driving.tryLock(JOIN_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!quiet) {
      return; // the garbage collector releases the mappings instead
    }
    try {
      peerMappings.forEach(Unmapper::release);
      peerMappings.clear();
      if (release) {
        mem.leave(me);
      }
    } finally {
      driving.unlock();
    }
  }

  @Override
  public void close() {
    close(true);
  }
}
