package dev.orca.common;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

/**
 * Java serialization of configuration objects (architecture, optimizer, loss, metrics), limited on
 * the way in to this library's classes and a few JDK value types: a model file cannot make the
 * reader instantiate anything else.
 */
public final class Serialization {
  /** The classes a stream may hold: this library's, and a few JDK value types; nothing else. */
  private static final String ALLOWED =
      "dev.orca.**;java.lang.Enum;java.lang.String;java.lang.Number;"
          + "java.lang.Integer;java.lang.Long;java.lang.Float;java.lang.Double;java.lang.Boolean;"
          + "java.time.Ser;java.time.Duration;!*";

  private Serialization() {}

  public static byte[] toBytes(Serializable value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    } catch (IOException e) {
      throw new OrcaConfigurationException(
          "Cannot serialize "
              + value.getClass().getName()
              + ": "
              + e
              + ". Layers, losses, metrics and optimizers travel to the workers and into model files, so"
              + " every field they hold must be Serializable (or transient).",
          e);
    }
    return bytes.toByteArray();
  }

  /** Reads an object of type {@code type}; anything else, or a class outside the filter, fails. */
  public static <T> T fromBytes(byte[] data, Class<T> type, String what) {
    Object o;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(data))) {
      in.setObjectInputFilter(filter(data.length));
      o = in.readObject();
    } catch (InvalidClassException e) {
      if (String.valueOf(e.getMessage()).startsWith("filter status: REJECTED")) {
        throw new OrcaDataException(
            "the "
                + what
                + " holds a class or a size this reader does not accept (only Orca's classes and a"
                + " few JDK value types, no larger than the bytes they are read from): it is"
                + " corrupted or was not written by Orca",
            e);
      }
      throw new OrcaDataException(
          "the "
              + what
              + " was written by an incompatible version of a class ("
              + printable(e.getMessage())
              + "): read it with the Orca version that wrote it",
          e);
    } catch (IOException | ClassNotFoundException e) {
      throw new OrcaDataException("the " + what + " cannot be read: " + printable(e.toString()), e);
    } catch (RuntimeException e) {
      // a malformed stream can also fail inside readObject (a negative array size, a value of
      // the wrong type, a class's own check of what it read)
      throw new OrcaDataException(
          "the "
              + what
              + " cannot be read: "
              + printable(e instanceof OrcaException ? e.getMessage() : e.toString()),
          e);
    }
    if (o == null || !type.isInstance(o)) {
      throw new OrcaDataException(
          "the "
              + what
              + " holds "
              + (o == null ? "null" : "a " + o.getClass().getName())
              + ", expected "
              + type.getName());
    }
    return type.cast(o);
  }

  /**
   * Damaged bytes end up in exception texts (a class name with a flipped bit): keep them readable.
   */
  private static String printable(String s) {
    return String.valueOf(s).replaceAll("[^\\x20-\\x7e]", "?");
  }

  /**
   * The allow-list, with limits that follow from the input's length: nothing can be larger than the
   * bytes it is read from, so a crafted length field cannot make the reader allocate more.
   */
  private static ObjectInputFilter filter(int length) {
    return ObjectInputFilter.Config.createFilter(
        "maxdepth=64;maxrefs=100000;maxbytes=" + length + ";maxarray=" + length + ";" + ALLOWED);
  }

  /** A deep copy through serialization. */
  @SuppressWarnings("unchecked")
  public static <T extends Serializable> T copy(T value) {
    return (T)
        fromBytes(toBytes(value), value.getClass(), "copy of " + value.getClass().getSimpleName());
  }
}
