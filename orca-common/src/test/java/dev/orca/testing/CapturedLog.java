package dev.orca.testing;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Collects what the loggers under a name (a package or a class) write at WARN and above while it is
 * open, so tests can read it. In Spark's local mode the tasks run in the test's JVM, so it sees
 * what they log too. Test support for every module (the orca-common test-jar).
 */
public final class CapturedLog extends AbstractAppender implements AutoCloseable {
  private final String prefix;
  private final List<String> lines = new ArrayList<>();
  private final LoggerConfig config;

  /**
   * Captures the loggers whose names start with {@code loggerPrefix}, e.g. {@code
   * "dev.orca.collective"}.
   */
  public CapturedLog(String loggerPrefix) {
    super(
        "test-capture-" + loggerPrefix + "-" + System.nanoTime(),
        null,
        null,
        true,
        Property.EMPTY_ARRAY);
    this.prefix = loggerPrefix;
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    config = context.getConfiguration().getLoggerConfig(loggerPrefix);
    start();
    config.addAppender(this, Level.WARN, null);
    context.updateLoggers();
  }

  @Override
  public void append(LogEvent event) {
    if (event.getLoggerName().startsWith(prefix)) {
      synchronized (lines) {
        lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
      }
    }
  }

  /** Every line captured so far: level, then the message. */
  public List<String> lines() {
    synchronized (lines) {
      return new ArrayList<>(lines);
    }
  }

  /** How many captured lines contain {@code text}. */
  public long count(String text) {
    return lines().stream().filter(l -> l.contains(text)).count();
  }

  @Override
  public void close() {
    config.removeAppender(getName());
    ((LoggerContext) LogManager.getContext(false)).updateLoggers();
    stop();
  }
}
