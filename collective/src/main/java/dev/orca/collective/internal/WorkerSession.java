package dev.orca.collective.internal;

import dev.orca.collective.RingException;
import dev.orca.collective.RingOptions;
import dev.orca.collective.Transport;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's side of a formed ring of two or more workers, whatever moves its floats: the TCP
 * ring (always formed: it admits the workers, carries broadcasts, sums of doubles and barriers, and
 * checks that everyone runs the same calls), this host's {@link HostGroup} when the host runs
 * several workers, and the chain between hosts when there are several ({@link ChainOp}, forward on
 * the ring and back on the same connections). Every part records its failures in one {@link
 * FailureRecord}, so a call fails with the first of them, whichever part saw it.
 */
public final class WorkerSession {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerSession.class);

  /** How long a worker that gives up waits for its neighbours to learn why and hang up. */
  private static final long ABORT_DRAIN_NANOS = 10_000_000_000L;

  private final RingOptions options;
  private final int rank;
  private final int size;
  private final int chunk;
  private final FailureRecord failures;
  private final RingSession ring;
  private final Placement plan;
  private final RingSession back;
  private final HostGroup group;
  private final ChainSide side;
  private final boolean first;
  private final boolean last;
  private final int host;
  private final ArrayDeque<ChainOp[]> spareChains = new ArrayDeque<>();
  private final List<ChainOp[]> postedChains = new ArrayList<>();
  private long nextSeq;
  private long nextPiece;
  private boolean reducesPosted;
  // the last reduction posted, named only if it fails (a string per post made the naming hot)
  private long lastSeq;
  private long lastOffset;
  private long lastLength;
  private boolean closed;

  private WorkerSession(
      RingOptions options,
      int rank,
      List<String> addresses,
      List<Site> sites,
      Placement plan,
      FailureRecord failures,
      RingSession ring)
      throws IOException {
    this.options = options;
    this.rank = rank;
    this.size = addresses.size();
    this.chunk = options.chunkBytes() / Float.BYTES;
    this.failures = failures;
    this.ring = ring;
    this.plan = plan;
    this.host = plan.hostOf(rank);
    int hostFirst = plan.hostFirst(host);
    int hostSize = plan.hostSize(host);
    this.first = rank == hostFirst;
    this.last = rank == hostFirst + hostSize - 1;
    HostGroup joined = null;
    RingSession reverse = null;
    try {
      joined =
          hostSize > 1
              ? GroupFormation.join(options, plan, addresses, sites, rank, failures)
              : null;
      if (plan.hosts() > 1) {
        reverse = ring.back();
        side =
            joined != null
                ? new GroupSide(joined, host == plan.hosts() - 1)
                : new SoloSide(
                    host,
                    plan.hosts(),
                    options.compression(),
                    chunk,
                    options.timeout().toNanos(),
                    failures);
      } else {
        side = null;
      }
    } catch (IOException | RuntimeException e) {
      if (joined != null) {
        joined.close();
      }
      if (reverse != null) {
        reverse.close();
      }
      throw e;
    }
    this.group = joined;
    this.back = reverse;
    if (joined != null && plan.hosts() == 1) {
      ring.preferLocalFailures(joined::busy); // the ring's neighbours are all in the group
    }
  }

  /**
   * Forms the ring through {@code forming} as worker {@code rank} of {@code addresses}, learns
   * where every worker runs, and sets up the transport that follows. Throws {@link RingException}
   * (or {@link dev.orca.OrcaConfigurationException} for settings that do not fit the placement).
   */
  public static WorkerSession connect(
      RingFormation forming, RingOptions options, List<String> addresses, int rank) {
    FailureRecord failures = new FailureRecord();
    RingSession ring = forming.connect(failures);
    try {
      double[] all = ring.gatherPlacements(Site.of(options).encode());
      List<Site> sites = new ArrayList<>();
      for (int r = 0; r < addresses.size(); r++) {
        Site s = Site.decode(all, r * Site.DOUBLES);
        if (s == null) {
          throw new RingException(
              "worker rank "
                  + r
                  + " at "
                  + addresses.get(r)
                  + " did not say where it runs: do all workers run the same Orca version?");
        }
        sites.add(s);
      }
      Placement plan = Placement.plan(sites, addresses);
      WorkerSession session =
          new WorkerSession(options, rank, addresses, sites, plan, failures, ring);
      LOG.info(
          "ring '{}' rank {}: all-reduce through {} ({})",
          options.name(),
          rank,
          plan.transport(),
          plan.describe());
      return session;
    } catch (IOException e) {
      ring.close();
      throw new RingException(
          "ring '" + options.name() + "' rank " + rank + ": cannot set up the transport: " + e, e);
    } catch (RuntimeException e) {
      ring.close();
      throw e;
    }
  }

  /** The transport the floats of an all-reduce take. */
  public Transport transport() {
    return plan.transport();
  }

  /** The placement in words, e.g. "2 workers in one JVM". */
  public String describe() {
    return plan.describe();
  }

  /**
   * Throws the {@link RingException} that broke the ring, if it is broken; {@code call} names what
   * the caller was about to do.
   */
  public void checkNotBroken(String call) {
    ring.checkNotBroken(call);
  }

  /**
   * Starts the sum of {@code buffer[offset, offset+length)}; {@link #awaitReduces()} waits. Never
   * throws a ring failure: that is for {@link #awaitReduces()}.
   */
  public void postReduce(FloatBuffer buffer, int offset, int length) {
    long seq = nextSeq++;
    long firstPiece = nextPiece;
    nextPiece += (length + chunk - 1) / chunk;
    reducesPosted = true;
    lastSeq = seq;
    lastOffset = offset;
    lastLength = length;
    if (group != null) {
      group.post(seq, buffer, offset, length, firstPiece);
    }
    if (back != null) {
      ChainOp[] ops = spareChains.isEmpty() ? newChain() : spareChains.pollFirst();
      ops[0].reset(buffer, offset, length, firstPiece);
      ops[1].reset(buffer, offset, length, firstPiece);
      postedChains.add(ops);
      // both directions are posted before a failure can be recorded: a sender that then gives up
      // announces its operation before the ABORT, so the peer names a mismatch in its own words
      failures.withoutFailing(
          () -> {
            ring.post(ops[0], seq);
            back.post(ops[1], seq);
          });
    }
  }

  private ChainOp[] newChain() {
    return new ChainOp[] {
      new ChainOp(
          rank, size, chunk, true, side, options.compression(), first, last, host, plan.hosts()),
      new ChainOp(
          rank, size, chunk, false, side, options.compression(), first, last, host, plan.hosts())
    };
  }

  /**
   * Waits for every posted reduction and recycles them; throws the ring's failure if one of them,
   * or the ring before them, failed.
   */
  public void awaitReduces() {
    if (!reducesPosted) {
      return;
    }
    try {
      boolean done = group == null || group.awaitAll();
      if (!postedChains.isEmpty()) {
        ChainOp[] lastOps = postedChains.get(postedChains.size() - 1);
        ring.awaitDone(lastOps[0]);
        back.awaitDone(lastOps[1]);
      }
      if (!done) {
        String lastReduce = RingOp.describe(RingOp.ALL_REDUCE, lastSeq, lastOffset, lastLength);
        ring.checkNotBroken(lastReduce);
        throw new RingException(lastReduce + ": the ring was closed while this operation ran");
      }
    } finally {
      for (ChainOp[] ops : postedChains) {
        ops[0].done();
        ops[1].done();
        spareChains.addLast(ops);
      }
      postedChains.clear();
      reducesPosted = false;
    }
  }

  /** Copies rank 0's {@code buffer[offset, offset+length)} to every worker; blocks. */
  public void broadcast(FloatBuffer buffer, int offset, int length) {
    long seq = announce(RingOp.BROADCAST, length);
    ring.broadcast(buffer, offset, length, seq);
  }

  /** Replaces {@code values} by their sum over all workers, summed in rank order; blocks. */
  public void allReduce(double[] values) {
    long seq = announce(RingOp.GATHER, values.length);
    ring.allReduce(values, seq);
  }

  private long announce(int kind, long length) {
    long seq = nextSeq++;
    if (group != null) {
      group.publishCall(seq, kind, length);
    }
    return seq;
  }

  /**
   * This worker gives up: the ring fails here with {@code reason}, both neighbours are told why
   * (bounded by the senders' abort wait), and so is every worker of this host; then the session
   * closes. Every peer then fails at once, naming this worker and the reason.
   */
  public void abort(String reason) {
    if (closed) {
      return;
    }
    failures.fail(new RingException(reason, null, true));
    ring.awaitSenderEnd();
    if (back != null) {
      back.awaitSenderEnd();
    }
    // both neighbours hang up once they read why; until then their data is read, not reset
    ring.halt();
    if (back != null) {
      back.halt();
    }
    ring.stop();
    if (back != null) {
      back.stop();
    }
    long deadline = System.nanoTime() + ABORT_DRAIN_NANOS;
    ring.drainFromPrevious(ABORT_DRAIN_NANOS);
    if (back != null) {
      back.drainFromPrevious(Math.max(0, deadline - System.nanoTime()));
    }
    close();
  }

  /** Stops every thread, closes the connections and releases the shared memory; idempotent. */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    failures.closing();
    if (group != null) {
      group.stop();
    }
    if (side != null) {
      side.stop();
    }
    ring.halt();
    if (back != null) {
      back.halt();
    }
    ring.stop();
    if (back != null) {
      back.stop();
    }
    boolean quiet = ring.threadsEnded() && (back == null || back.threadsEnded());
    if (group != null) {
      group.close(quiet); // a TCP thread still alive may touch the memory: leave it to the GC
    }
    ring.close();
    if (back != null) {
      back.close();
    }
  }
}
