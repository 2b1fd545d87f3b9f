package dev.orca.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Checks that a chart file is a real PNG of a plausible size with something drawn on it. */
final class Charts {
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  private Charts() {}

  /**
   * The PNG signature, decodes with ImageIO, {@code panels} panels of 640x440 side by side, not
   * blank.
   */
  static void assertValidPng(Path png, int panels) throws IOException {
    assertTrue(Files.isRegularFile(png), "no chart at " + png);
    try (InputStream in = Files.newInputStream(png)) {
      assertArrayEquals(
          SIGNATURE, in.readNBytes(8), png + " does not start with the PNG signature");
    }
    BufferedImage image = ImageIO.read(png.toFile());
    assertNotNull(image, "ImageIO cannot decode " + png);
    assertEquals(640 * panels, image.getWidth(), "width of " + png);
    assertEquals(440, image.getHeight(), "height of " + png);
    // lines are drawn in colour: count pixels that are neither white nor grey
    long coloured = 0;
    for (int y = 0; y < image.getHeight(); y += 2) {
      for (int x = 0; x < image.getWidth(); x += 2) {
        int rgb = image.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        coloured += Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60 ? 1 : 0;
      }
    }
    assertTrue(
        coloured > 200, png + " has only " + coloured + " coloured sample pixels: no lines drawn?");
  }

  static void assertAllValid(ExampleResult result, int panels) throws IOException {
    assertTrue(!result.charts().isEmpty(), "the example wrote no chart");
    for (Path png : result.charts()) {
      assertValidPng(png, panels);
    }
  }
}
