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
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Java serialization of configuration objects (architecture, optimizer, loss, metrics), limited on
 * the way in to this library's classes, a few JDK value types and the classes the program itself
 * {@linkplain #register registered} (its own layers, losses, metrics): a model file cannot make the
 * reader instantiate anything else.
 */
public final class Serialization {
  /** The classes a stream may hold: this library's, and a few JDK value types; nothing else. */
  private static final String ALLOWED =
      "dev.orca.**;java.lang.Enum;java.lang.String;java.lang.Number;"
          + "java.lang.Integer;java.lang.Long;java.lang.Float;java.lang.Double;java.lang.Boolean;"
          + "java.time.Ser;java.time.Duration;!*";

  /** The names of the classes registered by the program, each allowed exactly (no subclasses). */
  private static final Set<String> REGISTERED = ConcurrentHashMap.newKeySet();

  private Serialization() {}

  /**
   * Allows instances of exactly {@code type} (not its subclasses, not its package) in the streams
   * this JVM reads from now on: model files, copies of models, jobs sent to workers. For a
   * program's own layers, losses and metrics, and any class their fields hold (Orca's classes and
   * JDK value types need no registration). Register in every JVM that reads such a stream;
   * registering twice is harmless.
   *
   * @throws OrcaConfigurationException if {@code type} cannot be serialized, or is an interface, an
   *     abstract class or an array (the exact classes of the instances are what is checked)
   */
  public static void register(Class<? extends Serializable> type) {
    if (type == null) {
      throw new NullPointerException("type");
    }
    if (!Serializable.class.isAssignableFrom(type)
        || type.isInterface()
        || type.isArray()
        || java.lang.reflect.Modifier.isAbstract(type.getModifiers())) {
      throw new OrcaConfigurationException(
          "cannot register "
              + type.getName()
              + ": only a concrete Serializable class can be registered, since a stream is"
              + " checked against the exact class of each object it holds");
    }
    REGISTERED.add(type.getName());
  }

  /**
   * The names of the classes registered in this JVM, sorted: for a trainer to register the same on
   * its workers ({@link #registerNames}).
   */
  public static List<String> registeredNames() {
    return REGISTERED.stream().sorted().toList();
  }

  /**
   * Registers classes by name, as {@link #registeredNames()} gave them on the driver: on a worker
   * that reads what the driver sends. Each must be loadable here (by the thread's context class
   * loader) and registrable.
   */
  public static void registerNames(Collection<String> names) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    for (String name : names) {
      Class<?> c;
      try {
        c =
            Class.forName(
                name, false, loader != null ? loader : Serialization.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new OrcaConfigurationException(
            "the class "
                + name
                + ", registered for serialization by the driver, is not on this JVM's classpath:"
                + " ship the jar that holds it to the executors",
            e);
      }
      if (!Serializable.class.isAssignableFrom(c)) {
        throw new OrcaConfigurationException(
            "cannot register " + name + ": it is not Serializable");
      }
      register(c.asSubclass(Serializable.class));
    }
  }

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
    Filter filter = new Filter(data.length);
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(data))) {
      in.setObjectInputFilter(filter);
      o = in.readObject();
    } catch (InvalidClassException e) {
      if (String.valueOf(e.getMessage()).startsWith("filter status: REJECTED")) {
        if (filter.refusedClass != null) {
          throw new OrcaDataException(
              "the "
                  + what
                  + " holds an instance of "
                  + printable(filter.refusedClass)
                  + ", which this reader does not accept: it takes Orca's classes, a few JDK value"
                  + " types and the classes registered with Serialization.register (your own"
                  + " layers: Layer.register). If the class is your own, register it in this JVM"
                  + " before reading; otherwise the stream was not written by Orca",
              e);
        }
        throw new OrcaDataException(
            "the "
                + what
                + " holds a size or a depth this reader does not accept (no larger than the bytes"
                + " it is read from): it is corrupted or was not written by Orca",
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
   * bytes it is read from, so a crafted length field cannot make the reader allocate more. A
   * registered class passes the limits, not the list; the first class refused is kept for the error
   * message.
   */
  private static final class Filter implements ObjectInputFilter {
    private final ObjectInputFilter limits;
    private final ObjectInputFilter allowed;
    String refusedClass;

    Filter(int length) {
      String bounds = "maxdepth=64;maxrefs=100000;maxbytes=" + length + ";maxarray=" + length + ";";
      this.limits = ObjectInputFilter.Config.createFilter(bounds);
      this.allowed = ObjectInputFilter.Config.createFilter(bounds + ALLOWED);
    }

    @Override
    public Status checkInput(FilterInfo info) {
      Class<?> c = info.serialClass();
      while (c != null && c.isArray()) {
        c = c.getComponentType();
      }
      if (c != null && !c.isPrimitive() && REGISTERED.contains(c.getName())) {
        return limits.checkInput(info) == Status.REJECTED ? Status.REJECTED : Status.ALLOWED;
      }
      Status status = allowed.checkInput(info);
      if (status == Status.REJECTED && c != null && refusedClass == null) {
        String name = c.getName();
        // a size limit also rejects: name the class only when the list refused it
        if (limits.checkInput(info) != Status.REJECTED) {
          refusedClass = name;
        }
      }
      return status;
    }
  }

  /** A deep copy through serialization. */
  @SuppressWarnings("unchecked")
  public static <T extends Serializable> T copy(T value) {
    return (T)
        fromBytes(toBytes(value), value.getClass(), "copy of " + value.getClass().getSimpleName());
  }
}
