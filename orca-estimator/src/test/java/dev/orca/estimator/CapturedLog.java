package dev.orca.estimator;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * Collects what one logger writes at WARN and above while it is open, so tests can read it. In
 * Spark's local mode the tasks run in this JVM, so this sees what they log too.
 */
final class CapturedLog extends AbstractAppender implements AutoCloseable {
  private final List<String> lines = new ArrayList<>();
  private final Logger logger;

  /** Captures the logger of {@code name} (a class name). */
  CapturedLog(String name) {
    super("test-capture-" + name, null, null, true, Property.EMPTY_ARRAY);
    logger = (Logger) LogManager.getLogger(name);
    start();
    logger.addAppender(this);
  }

  @Override
  public void append(LogEvent event) {
    if (event.getLevel().isMoreSpecificThan(Level.WARN)) {
      synchronized (lines) {
        lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
      }
    }
  }

  List<String> lines() {
    synchronized (lines) {
      return new ArrayList<>(lines);
    }
  }

  /** The captured lines that contain {@code text}. */
  long count(String text) {
    return lines().stream().filter(l -> l.contains(text)).count();
  }

  @Override
  public void close() {
    logger.removeAppender(this);
    stop();
  }
}
