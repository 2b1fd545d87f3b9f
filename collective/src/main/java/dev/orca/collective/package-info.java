/**
 * Ring all-reduce between the workers of one training job, over TCP.
 *
 * <p>{@link dev.orca.collective.RingAllReduce} is the entry point: open an endpoint with
 * {@link dev.orca.collective.RingOptions}, publish its address, connect the ring, then sum
 * buffers ({@code allReduce}, or {@code startAllReduce} with a
 * {@link dev.orca.collective.PendingReduce} to overlap the sum with the backward pass),
 * broadcast rank 0's weights, sum metrics and wait at barriers. Failures are
 * {@link dev.orca.collective.RingException}s that name the peer.
 *
 * <p>How it works, in {@code internal}: each worker has a sender thread writing to the next
 * worker and a receiver thread reading from the previous one; every operation is a schedule of
 * chunks that both threads walk, the sender sending a chunk as soon as the receiver has finished
 * the chunk it depends on, so transfers and sums overlap chunk by chunk.
 */
package dev.orca.collective;
