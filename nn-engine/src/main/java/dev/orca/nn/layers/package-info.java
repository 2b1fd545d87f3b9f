/**
 * Layers: Dense, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, Dropout, BatchNorm, Conv2D, MaxPool2D
 * (channels-last images), Flatten, Embedding, LSTM, and the joins Concat, Add and Multiply. A layer
 * is a serializable configuration plus, once built into a model, views of its parameters;
 * everything a call needs lives in a {@link dev.orca.nn.layers.Workspace}.
 */
package dev.orca.nn.layers;
