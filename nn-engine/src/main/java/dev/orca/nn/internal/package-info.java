/**
 * Implementation, not API: the BLAS kernels ({@link dev.orca.nn.internal.MklBlas} is the only class
 * that calls MKL, {@link dev.orca.nn.internal.NativeMemory} the only one that allocates through
 * JavaCPP), graph execution, the training loop and serialization helpers. Other modules must not
 * depend on this package.
 */
package dev.orca.nn.internal;
