package dev.orca.collective.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The control block of a host group: a header, one area per member and one for the host's TCP ends,
 * in memory every member sees (a direct buffer of this JVM, or the start of a mapped segment). Each
 * counter has one writer, which publishes with a release store; readers load with acquire, so what
 * a counter announces (a posted piece, a sum written) is visible once the counter is. That works
 * across processes too: it is plain memory ordering on shared pages.
 */
final class Control {
  static final int PAGE = 4096;
  static final int MAX_WINDOW = 32;

  // header
  static final int MAGIC = 0;
  static final int VERSION = 8;
  static final int LAYOUT = 16; // size, window, chunk floats, host index, hosts: 5 ints
  static final int CREATOR_PID = 40;
  static final int NONCE = 64;
  static final int CREATOR_PROOF = 96;

  // a member's area
  static final int STATE = 0;
  static final int PID = 8;
  static final int POSTED = 64;
  static final int REDUCED = 128;
  static final int FINISHED = 192;
  static final int CALL_SEQ = 256;
  static final int CALL_KIND = 264;
  static final int CALL_LENGTH = 272;
  static final int PROOF = 320;
  // window x (seq, offset, length, piece of the op, token of the shared buffer holding the
  // member's floats or 0 if they are in its slots, the buffer's first float in that file)
  static final int DESCRIPTORS = 512;
  static final int DESCRIPTOR_BYTES = 48;
  static final int REASON = 2048; // int length, then UTF-8
  static final int REASON_BYTES = PAGE - REASON - 4;

  // the host's area: one counter per cache line, each written by one TCP thread
  static final int INCOMING = 0;
  static final int PARTIAL_SENT = 64;
  static final int RESULT_ARRIVED = 128;
  static final int RESULT_SENT = 192;

  /** A member's state. */
  static final long JOINED = 1;

  static final long GAVE_UP = 2;
  static final long FAILED = 3;
  static final long CLOSED = 4;

  private static final VarHandle LONGS =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

  final ByteBuffer bytes;
  final int members;

  Control(ByteBuffer bytes, int members) {
    this.bytes = bytes;
    this.members = members;
  }

  static int bytes(int members) {
    return PAGE * (2 + members);
  }

  static int member(int m) {
    return PAGE * (1 + m);
  }

  int host() {
    return PAGE * (1 + members);
  }

  long get(int offset) {
    return (long) LONGS.getAcquire(bytes, offset);
  }

  void set(int offset, long value) {
    LONGS.setRelease(bytes, offset, value);
  }

  /** A store ordered with every load after it too (a release store is not, with loads). */
  void setVolatile(int offset, long value) {
    LONGS.setVolatile(bytes, offset, value);
  }

  long getVolatile(int offset) {
    return (long) LONGS.getVolatile(bytes, offset);
  }

  long member(int m, int field) {
    return get(member(m) + field);
  }

  void setMember(int m, int field, long value) {
    set(member(m) + field, value);
  }

  long hostCounter(int field) {
    return get(host() + field);
  }

  void setHostCounter(int field, long value) {
    set(host() + field, value);
  }

  // the longs of a descriptor, at these offsets from descriptor(m, slot)
  /** The operation's sequence number. */
  static final int D_SEQ = 0;

  /** The operation's first float in the buffers. */
  static final int D_OFFSET = 8;

  /** The operation's count of floats. */
  static final int D_LENGTH = 16;

  /** Which piece of the operation this is. */
  static final int D_PIECE = 24;

  /** The member's shared buffer file (0: the piece is in the member's slot instead). */
  static final int D_TOKEN = 32;

  /** Where the operation's floats start in that shared buffer. */
  static final int D_FIRST_FLOAT = 40;

  /** Member {@code m}'s record of the piece in window slot {@code slot}: 6 longs from here. */
  static int descriptor(int m, int slot) {
    return member(m) + DESCRIPTORS + slot * DESCRIPTOR_BYTES;
  }

  void putBytes(int offset, byte[] b) {
    bytes.put(offset, b);
  }

  byte[] getBytes(int offset, int length) {
    byte[] b = new byte[length];
    bytes.get(offset, b);
    return b;
  }

  /** Writes why member {@code m} stopped; the state store that follows publishes it. */
  void putReason(int m, String reason) {
    byte[] b = reason.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(b.length, REASON_BYTES);
    bytes.putInt(member(m) + REASON, n);
    bytes.put(member(m) + REASON + 4, b, 0, n);
  }

  String reason(int m) {
    int n = bytes.getInt(member(m) + REASON);
    if (n <= 0 || n > REASON_BYTES) {
      return "(no reason given)";
    }
    return new String(getBytes(member(m) + REASON + 4, n), StandardCharsets.UTF_8);
  }
}
