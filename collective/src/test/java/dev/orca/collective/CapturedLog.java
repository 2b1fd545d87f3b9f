package dev.orca.collective;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/** Collects what the ring logs at WARN and above while it is open, so tests can read it. */
final class CapturedLog extends AbstractAppender implements AutoCloseable {
  private final List<String> lines = new ArrayList<>();
  private final LoggerConfig config;

  CapturedLog() {
    super("ring-test-capture", null, null, true, Property.EMPTY_ARRAY);
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    config = context.getConfiguration().getLoggerConfig("dev.orca.collective");
    start();
    config.addAppender(this, Level.WARN, null);
    context.updateLoggers();
  }

  @Override
  public void append(LogEvent event) {
    synchronized (lines) {
      lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
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
    config.removeAppender(getName());
    ((LoggerContext) LogManager.getContext(false)).updateLoggers();
    stop();
  }
}
