package dev.orca.arrow.internal;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ReferenceManager;

/**
 * The memory of the blocks one stream of shards writes, cut from large buffers (slabs) rather than
 * allocated one by one. Writing new memory costs a page fault per page first touched; glibc maps a
 * slab on its own and, with {@code GLIBC_TUNABLES=glibc.malloc.hugetlb=1} in the environment (Orca
 * sets it for the JVMs it starts), advises the kernel to back it with 2 MiB pages, so a block takes
 * one fault per 2 MiB instead of one per 4 KiB. A slab is 4 KiB short of a multiple of 2 MiB, so
 * that with glibc's chunk header the mapping is the multiple exactly, which Linux places on a 2 MiB
 * boundary: every page of it can be a 2 MiB page. (A block of about 2 MiB allocated on its own
 * almost never covers an aligned 2 MiB page.) Slabs double from 2 MiB to 32 MiB, so a small
 * partition takes little. Each piece is owned by the allocator of the shard it belongs to (Arrow's
 * shared ownership); a slab's memory is freed when the stream and every piece have let go of it.
 * When every piece of the current slab has been closed (a consumer that streams, closing each shard
 * before it takes the next), the slab is written again from its start: a stream then holds one
 * slab, and writes memory already touched. A slab whose pieces have all let go goes back to the
 * JVM's {@link SlabPool} (within its cap), so that the next conversion in this executor writes
 * memory already touched too; a slab from the pool may be larger than asked for.
 */
final class Slabs implements AutoCloseable {
  private static final long HUGE_PAGE = 2L << 20;
  private static final long LARGEST = 32L << 20;

  /** What glibc adds to a request it maps on its own (chunk header, rounding to pages). */
  private static final long MALLOC_OVERHEAD = 4096;

  /** Smaller pieces are allocated on their own, so that small batches stream as before. */
  static final long SMALLEST = 1L << 20;

  private final BufferAllocator parent;
  private ArrowBuf slab;
  private long used;
  private final List<ReferenceManager> pieces = new ArrayList<>();
  private long next = HUGE_PAGE;

  /** Slabs taken from {@code parent}, which must outlive every piece (the task's allocator). */
  Slabs(BufferAllocator parent) {
    this.parent = parent;
  }

  /** A buffer of {@code bytes} owned by {@code owner}; the owner's holder closes it. */
  ArrowBuf buffer(BufferAllocator owner, long bytes) {
    if (bytes < SMALLEST) {
      return owner.buffer(bytes);
    }
    if (slab != null && pieces.stream().allMatch(p -> p.getRefCount() == 0)) {
      used = 0; // nobody holds a piece of it any more
      pieces.clear();
    }
    if (slab == null || used + bytes > slab.capacity()) {
      close();
      long size = Math.max(next, (bytes + MALLOC_OVERHEAD + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE);
      slab = SlabPool.get().take(parent, size - MALLOC_OVERHEAD);
      used = 0;
      next = Math.min(2 * next, LARGEST);
    }
    ArrowBuf piece = slab.slice(used, bytes);
    used += (bytes + 63) & ~63L; // pieces start on cache lines
    ArrowBuf owned = piece.getReferenceManager().retain(piece, owner);
    pieces.add(owned.getReferenceManager());
    return owned;
  }

  /** Lets go of the current slab; its memory stays with the pieces still open. Idempotent. */
  @Override
  public void close() {
    if (slab != null) {
      slab.close();
      slab = null;
      pieces.clear();
    }
  }
}
