package dev.orca.collective.internal;

import dev.orca.collective.RingException;
import dev.orca.collective.RingOptions;
import dev.orca.common.ChallengeResponse;
import dev.orca.common.StaleSharedMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the workers of one host into a {@link HostGroup}, after the TCP ring has formed (so every
 * member has already proved to its neighbours that it knows the job secret, and all have told each
 * other where they run).
 *
 * <p>In one JVM the members meet in a registry under a key derived from the secret and the ring's
 * addresses. Across processes, the host's first member creates the segment; its name carries the
 * creator's pid (so that a segment left by a killed creator can be recognised and removed) and a
 * digest of the secret and the ring's addresses (a new name for every ring). The creator signs the
 * header with the secret and every member signs its own area; each member checks every signature
 * before it trusts the segment, and the creator removes the name once all have joined.
 */
final class GroupFormation {
  private static final Logger LOG = LoggerFactory.getLogger(GroupFormation.class);
  private static final long MAGIC = 0x4f52_4341_5348_4d31L; // "ORCASHM1"
  private static final int VERSION = 2; // 2: descriptors name shared buffers
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  private GroupFormation() {}

  /** Joins this worker ({@code rank}) to its host's group; throws {@link RingException}. */
  static HostGroup join(
      RingOptions options,
      Placement plan,
      List<String> addresses,
      List<Site> sites,
      int rank,
      FailureRecord failures) {
    int host = plan.hostOf(rank);
    int first = plan.hostFirst(host);
    int size = plan.hostSize(host);
    int me = rank - first;
    int chunk = options.chunkBytes() / Float.BYTES;
    int window = GroupMemory.window(chunk);
    long[] pids = new long[size];
    for (int m = 0; m < size; m++) {
      pids[m] = sites.get(first + m).pid();
    }
    HostGroup.Layout layout =
        new HostGroup.Layout(
            first,
            List.copyOf(addresses.subList(first, first + size)),
            pids,
            host,
            plan.hosts(),
            chunk,
            window);
    String digest = digest(options, addresses, host);
    String self = "ring '" + options.name() + "' rank " + rank;
    long deadline = System.nanoTime() + options.connectTimeout().toNanos();
    GroupMemory mem = null;
    boolean joined = false;
    try {
      boolean hostWindows = plan.hosts() > 1;
      if (plan.hostInJvm(host)) {
        mem = InJvmMemory.join(digest, size, window, chunk, hostWindows);
        mem.control.setMember(me, Control.PID, Site.PID);
        mem.control.setMember(me, Control.CALL_SEQ, -1);
        mem.control.setMember(me, Control.STATE, Control.JOINED);
        awaitAll(mem, layout, me, deadline, options, self);
      } else {
        // a segment always has the host's windows: the result window is where members meet
        mem = joinSegment(options, layout, me, digest, true, deadline, self);
      }
      HostGroup group =
          new HostGroup(
              mem,
              layout,
              me,
              WireCodec.of(options.compression()),
              options.timeout().toNanos(),
              failures,
              "orca-ring-" + options.name() + "-" + rank + "-host");
      group.start();
      joined = true;
      LOG.info(
          "{}: joined the {} of {} workers on this host ({})",
          self,
          mem.inJvm() ? "in-JVM group" : "shared-memory segment",
          size,
          layout.names());
      return group;
    } catch (IOException e) {
      throw new RingException(
          self
              + ": cannot share memory with the workers on this host through "
              + options.sharedMemoryDirectory()
              + ": "
              + e
              + " (RingOptions sharedMemoryDirectory sets another tmpfs directory; transport TCP"
              + " avoids shared memory)",
          e);
    } finally {
      if (!joined && mem != null) {
        mem.leave(me);
      }
    }
  }

  /** Names this ring's group on {@code host}: only workers that know the secret can compute it. */
  static String digest(RingOptions options, List<String> addresses, int host) {
    byte[] ring = String.join(",", addresses).getBytes(StandardCharsets.UTF_8);
    byte[] mac =
        new ChallengeResponse(options.secret(), "group:" + options.name())
            .proof('G', ring, new byte[0], host);
    return HexFormat.of().formatHex(mac, 0, 16);
  }

  private static GroupMemory joinSegment(
      RingOptions options,
      HostGroup.Layout layout,
      int me,
      String digest,
      boolean hostWindows,
      long deadline,
      String self)
      throws IOException {
    Path dir = options.sharedMemoryDirectory();
    String name = SegmentMemory.fileName(layout.pids()[0], digest);
    // every member checks the creator's proof of the secret before it trusts the segment
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    ChallengeResponse proofs = new ChallengeResponse(options.secret(), "shm:" + options.name());
    int size = layout.names().size();
    int[] shape = {size, layout.window(), layout.chunk(), layout.host(), layout.hosts()};
    SegmentMemory mem;
    if (me == 0) {
      StaleSharedMemory.removeAll(dir);
      mem =
          SegmentMemory.create(
              dir,
              name,
              size,
              layout.window(),
              layout.chunk(),
              hostWindows,
              c -> writeHeader(c, shape, proofs, nameBytes));
    } else {
      mem = awaitSegment(dir, name, layout, hostWindows, deadline, self);
    }
    boolean ok = false;
    try {
      Control c = mem.control;
      checkHeader(c, shape, proofs, nameBytes, mem, layout);
      byte[] nonce = c.getBytes(Control.NONCE, ChallengeResponse.NONCE_BYTES);
      c.putBytes(Control.member(me) + Control.PROOF, memberProof(proofs, nonce, nameBytes, me));
      c.setMember(me, Control.PID, Site.PID);
      c.setMember(me, Control.STATE, Control.JOINED);
      awaitAll(mem, layout, me, deadline, options, self);
      for (int m = 0; m < size; m++) {
        byte[] proof = c.getBytes(Control.member(m) + Control.PROOF, ChallengeResponse.PROOF_BYTES);
        if (!java.security.MessageDigest.isEqual(proof, memberProof(proofs, nonce, nameBytes, m))) {
          throw new RingException(
              self
                  + ": "
                  + layout.name(m)
                  + " joined the shared-memory segment "
                  + mem.file()
                  + " without proving it knows the job secret; every worker of a job must use the"
                  + " same RingOptions secret and name");
        }
      }
      if (me == 0) {
        mem.unlink(); // every member has it mapped: the name is no longer needed
      }
      ok = true;
      return mem;
    } finally {
      if (!ok) {
        if (me == 0) {
          mem.unlink();
        }
        mem.leave(me);
      }
    }
  }

  /** Lays out a new segment's header, signed by {@code proofs}: what members check. */
  static void writeHeader(Control c, int[] shape, ChallengeResponse proofs, byte[] nameBytes) {
    byte[] nonce = ChallengeResponse.nonce();
    c.bytes.putLong(Control.MAGIC, MAGIC);
    c.bytes.putInt(Control.VERSION, VERSION);
    for (int i = 0; i < shape.length; i++) {
      c.bytes.putInt(Control.LAYOUT + 4 * i, shape[i]);
    }
    c.bytes.putLong(Control.CREATOR_PID, Site.PID);
    c.putBytes(Control.NONCE, nonce);
    c.putBytes(Control.CREATOR_PROOF, proofs.proof('S', nonce, nameBytes, shape));
    for (int m = 0; m < shape[0]; m++) {
      c.bytes.putLong(Control.member(m) + Control.CALL_SEQ, -1);
    }
  }

  private static byte[] memberProof(ChallengeResponse proofs, byte[] nonce, byte[] name, int m) {
    return proofs.proof('J', nonce, name, m);
  }

  private static void checkHeader(
      Control c,
      int[] shape,
      ChallengeResponse proofs,
      byte[] nameBytes,
      SegmentMemory mem,
      HostGroup.Layout layout) {
    boolean sameShape =
        c.bytes.getLong(Control.MAGIC) == MAGIC && c.bytes.getInt(Control.VERSION) == VERSION;
    for (int i = 0; i < shape.length && sameShape; i++) {
      sameShape = c.bytes.getInt(Control.LAYOUT + 4 * i) == shape[i];
    }
    if (!sameShape) {
      throw new RingException(
          "the shared-memory segment "
              + mem.file()
              + " of "
              + layout.name(0)
              + " has another layout than this worker expects: do all workers run the same Orca"
              + " version with the same RingOptions?");
    }
    byte[] nonce = c.getBytes(Control.NONCE, ChallengeResponse.NONCE_BYTES);
    byte[] proof = c.getBytes(Control.CREATOR_PROOF, ChallengeResponse.PROOF_BYTES);
    if (!proofs.verify(proof, 'S', nonce, nameBytes, shape)) {
      throw new RingException(
          "the shared-memory segment "
              + mem.file()
              + " was not made by a worker that knows this job's secret; every worker of a job"
              + " must use the same RingOptions secret and name");
    }
  }

  private static SegmentMemory awaitSegment(
      Path dir,
      String name,
      HostGroup.Layout layout,
      boolean hostWindows,
      long deadline,
      String self)
      throws IOException {
    while (true) {
      SegmentMemory mem =
          SegmentMemory.open(
              dir, name, layout.names().size(), layout.window(), layout.chunk(), hostWindows);
      if (mem != null) {
        return mem;
      }
      if (!StaleSharedMemory.alive(layout.pids()[0])) {
        throw new RingException(
            self
                + ": "
                + layout.name(0)
                + ", which creates this host's shared-memory segment, ended (pid "
                + layout.pids()[0]
                + ")");
      }
      if (System.nanoTime() >= deadline) {
        throw new RingException(
            self
                + ": "
                + layout.name(0)
                + " (pid "
                + layout.pids()[0]
                + ") did not create the shared-memory segment "
                + dir.resolve(name)
                + " in time; RingOptions connectTimeout sets how long to wait");
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  /** Waits until every member has joined; names those missing after the connect timeout. */
  private static void awaitAll(
      GroupMemory mem,
      HostGroup.Layout layout,
      int me,
      long deadline,
      RingOptions options,
      String self) {
    Control c = mem.control;
    while (true) {
      List<String> missing = new ArrayList<>();
      for (int m = 0; m < mem.members; m++) {
        long state = c.member(m, Control.STATE);
        if (state == 0) {
          missing.add(layout.name(m));
          if (!mem.inJvm() && !StaleSharedMemory.alive(layout.pids()[m])) {
            throw new RingException(
                self
                    + ": "
                    + layout.name(m)
                    + " ended (pid "
                    + layout.pids()[m]
                    + ") before it joined this host's shared-memory segment");
          }
        } else if (state != Control.JOINED && m != me) {
          throw new RingException(
              self
                  + ": "
                  + layout.name(m)
                  + " left this host's group while it formed: "
                  + (state == Control.CLOSED ? "it closed its ring" : c.reason(m)));
        }
      }
      if (missing.isEmpty()) {
        return;
      }
      if (System.nanoTime() >= deadline) {
        throw new RingException(
            self
                + ": "
                + String.join(", ", missing)
                + " did not join this host's "
                + (mem.inJvm() ? "group" : "shared-memory segment")
                + " within "
                + Durations.text(options.connectTimeout().toNanos())
                + "; RingOptions connectTimeout sets how long to wait");
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }
}
