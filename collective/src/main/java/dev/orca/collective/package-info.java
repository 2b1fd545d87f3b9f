/**
 * Ring all-reduce between the workers of one training job: over TCP, and through memory between the
 * workers of one host.
 *
 * <p>{@link dev.orca.collective.RingAllReduce} is the entry point: open an endpoint with {@link
 * dev.orca.collective.RingOptions}, publish its address, connect the ring, then sum buffers ({@code
 * allReduce}, or {@code startAllReduce} with a {@link dev.orca.collective.PendingReduce} to overlap
 * the sum with the backward pass), broadcast rank 0's weights, sum metrics and wait at barriers.
 * Failures are {@link dev.orca.collective.RingException}s that name the peer. Workers of one host
 * sum through memory instead ({@link dev.orca.collective.Transport}); buffers allocated as {@link
 * dev.orca.collective.SharedFloats} are summed there in place, with no copy in or out.
 *
 * <p>How it works, in {@code internal}: each worker has a sender thread writing to the next worker
 * and a receiver thread reading from the previous one; every operation is a schedule of chunks that
 * both threads walk, the sender sending a chunk as soon as the receiver has finished the chunk it
 * depends on, so transfers and sums overlap chunk by chunk.
 *
 * <p>Each operation opens with an OP header (number, kind, range) that the receiver checks against
 * its own operation. Errors are found on those two threads, asynchronously to the caller: the first
 * one is recorded (the others are its consequences), both threads stop, and the sender tells the
 * next worker why in an ABORT frame, after the header of an operation that was posted but not
 * started, so that every worker compares its own operation with its neighbour's and a mismatch is
 * named the same way whichever worker saw it first. The recorded error reaches the caller only
 * where it waits: the blocking call in progress, or {@code PendingReduce.await()}; posting an
 * operation ({@code PendingReduce.ready}) never throws it, and operations posted after it are not
 * sent. A broken ring then fails every new call at once with the same message. Since a ring does no
 * I/O between calls, this makes the failing call a function of the calls made, not of thread
 * timing.
 */
package dev.orca.collective;
