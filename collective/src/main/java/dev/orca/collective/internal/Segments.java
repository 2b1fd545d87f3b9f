package dev.orca.collective.internal;

/**
 * A range of a buffer cut into {@code parts} near-equal segments (the first {@code length % parts}
 * get one element more), each cut into chunks of at most {@code chunk} elements. Pure arithmetic,
 * reset per operation, so that no schedule is ever materialised.
 */
final class Segments {
  private int offset;
  private int parts;
  private int base;
  private int extra;
  private int chunk;

  void reset(int offset, int length, int parts, int chunk) {
    this.offset = offset;
    this.parts = parts;
    this.base = length / parts;
    this.extra = length % parts;
    this.chunk = chunk;
  }

  int start(int segment) {
    return offset + segment * base + Math.min(segment, extra);
  }

  int length(int segment) {
    return base + (segment < extra ? 1 : 0);
  }

  int chunks(int segment) {
    return (length(segment) + chunk - 1) / chunk;
  }

  int chunkStart(int segment, int k) {
    return start(segment) + k * chunk;
  }

  int chunkLength(int segment, int k) {
    return Math.min(chunk, length(segment) - k * chunk);
  }

  int parts() {
    return parts;
  }
}
