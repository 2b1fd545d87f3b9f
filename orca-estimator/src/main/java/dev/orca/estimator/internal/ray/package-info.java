/**
 * Not API. The {@code ray} backend: the workers are Ray actors (threads of this JVM in Ray's LOCAL
 * mode), fed shards as Arrow IPC through the object store; the driver runs the epochs one call at a
 * time, so it stops early, writes checkpoints and replaces a lost actor between epochs.
 */
package dev.orca.estimator.internal.ray;
