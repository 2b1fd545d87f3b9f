package dev.orca.launcher.ray.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationFactory;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.Order;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.apache.logging.log4j.util.LoaderUtil;

/**
 * Orca's logging when the application has no log4j configuration of its own: Orca at INFO, Spark,
 * Ray and everything else at WARN, on stderr (the file {@value #DEFAULT_CONFIGURATION}).
 *
 * <p>Without it, the {@code log4j2.xml} inside Ray's runtime jar would be the configuration log4j
 * finds on the classpath: everything at INFO on stdout, which also keeps Spark from applying its
 * own defaults. log4j asks this factory (a plugin, ordered after log4j's own) only when no {@code
 * log4j2.configurationFile} is set; it then does log4j's own classpath search ({@code
 * log4j2-test.*}, then {@code log4j2.*}, by type), skipping Ray's file. A configuration of the
 * application's wins wherever it is on the classpath; only when there is none does it give Orca's.
 */
@Plugin(name = "OrcaDefaultLogConfigurationFactory", category = ConfigurationFactory.CATEGORY)
@Order(0) // log4j's own factories come first (properties 8, YAML 7, JSON 6, XML 5)
public final class DefaultLogConfigurationFactory extends ConfigurationFactory {
  /** The configuration used when the application has none, as a classpath resource. */
  public static final String DEFAULT_CONFIGURATION =
      "dev/orca/launcher/ray/internal/log4j2-orca-default.properties";

  /** The name of that configuration, as {@link Configuration#getName()} reports it. */
  public static final String DEFAULT_NAME = "orca-default";

  /** log4j's configuration types in the order its factories try them. */
  private static final List<String> TYPES =
      List.of(".properties", ".yaml", ".yml", ".json", ".jsn", ".xml");

  @Override
  protected String[] getSupportedTypes() {
    return new String[] {"*"}; // asked when no location is given
  }

  @Override
  public Configuration getConfiguration(LoggerContext context, String name, URI location) {
    if (location != null) {
      return null; // a location given: log4j's own factories read it
    }
    ClassLoader loader = LoaderUtil.getThreadContextClassLoader();
    URL found = applicationConfiguration(loader, name);
    if (found != null) {
      try {
        // through log4j, which picks the factory by the file's type (this one declines locations)
        return ConfigurationFactory.getInstance().getConfiguration(context, name, found.toURI());
      } catch (URISyntaxException e) {
        return null; // log4j's own search will find it
      }
    }
    ConfigurationSource source = ConfigurationSource.fromResource(DEFAULT_CONFIGURATION, loader);
    if (source == null) {
      source =
          ConfigurationSource.fromResource(
              DEFAULT_CONFIGURATION, DefaultLogConfigurationFactory.class.getClassLoader());
    }
    return source == null
        ? null
        : new PropertiesConfigurationFactory().getConfiguration(context, source);
  }

  @Override
  public Configuration getConfiguration(LoggerContext context, ConfigurationSource source) {
    return null; // sources go to log4j's own factories, which come before this one
  }

  /** The first configuration file log4j's search would find, not counting Ray's; or null. */
  static URL applicationConfiguration(ClassLoader loader, String contextName) {
    List<String> names = new ArrayList<>();
    for (String prefix : List.of("log4j2-test", "log4j2")) {
      if (contextName != null && !contextName.isEmpty()) {
        TYPES.forEach(type -> names.add(prefix + contextName + type));
      }
      TYPES.forEach(type -> names.add(prefix + type));
    }
    for (String resource : names) {
      try {
        for (URL url : Collections.list(loader.getResources(resource))) {
          if (!isRays(url)) {
            return url;
          }
        }
      } catch (IOException e) {
        // an unreadable classpath entry: as log4j's own search, go on with the next name
      }
    }
    return null;
  }

  /** Ray's runtime jar keeps its {@code ray.default.conf} next to its {@code log4j2.xml}. */
  static boolean isRays(URL configuration) {
    if (!configuration.getPath().endsWith("/log4j2.xml")) {
      return false;
    }
    try (InputStream in = new URL(configuration, "ray.default.conf").openStream()) {
      return in != null;
    } catch (IOException e) {
      return false;
    }
  }
}
