package dev.orca.nn.internal.dnnl;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kept by a layer in place of its primitives when oneDNN has none for a shape, so that it runs on
 * the engine's own kernels without asking oneDNN again every step. Says so once per layer kind.
 */
public final class Unsupported implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Unsupported.class);
  private static final Set<String> SAID = ConcurrentHashMap.newKeySet();
  private final int a;
  private final int b;
  private final int c;
  private final int d;

  public Unsupported(String what, int a, int b, int c, int d) {
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    if (SAID.add(what)) {
      LOG.info("oneDNN has no primitive for {}: it runs on the engine's own kernels", what);
    }
  }

  public boolean matches(int a, int b, int c, int d) {
    return this.a == a && this.b == b && this.c == c && this.d == d;
  }

  @Override
  public void close() {}
}
