package dev.orca.estimator.tensorboard;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.estimator.tensorboard.proto.Event;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads TensorBoard event files back: every record's CRCs checked, every record parsed as an {@link
 * Event}. For tests, and for a program that wants its logged figures without TensorBoard.
 */
public final class EventFiles {
  private EventFiles() {}

  /** The events of one file, in order; a damaged record is an {@link OrcaDataException}. */
  public static List<Event> read(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      List<Event> events = new ArrayList<>();
      int index = 0;
      for (byte[] record : TfRecord.readAll(in, file.toString())) {
        try {
          events.add(Event.parseFrom(record));
        } catch (InvalidProtocolBufferException e) {
          throw new OrcaDataException(
              file + ": record " + index + " is not an Event: " + e.getMessage(), e);
        }
        index++;
      }
      return events;
    } catch (IOException e) {
      throw new OrcaException("cannot read the event file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The event files of a run folder ({@code logDir/train}, ...) in the order they were written (by
   * name, which starts with the second they were created).
   */
  public static List<Path> in(Path runDir) {
    try (Stream<Path> files = Files.list(runDir)) {
      return files
          .filter(p -> p.getFileName().toString().startsWith("events.out.tfevents."))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new OrcaException(
          "cannot list the event files in " + runDir + ": " + e.getMessage(), e);
    }
  }
}
