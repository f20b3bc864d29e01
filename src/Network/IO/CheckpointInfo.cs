namespace Simd.Network;

/// <summary>
/// What a checkpoint holds besides the tensors, read without a model (<see cref="Checkpoint.ReadInfo"/>): the
/// version, the layers, the optimizer's kind, step and hyper-parameters, the training progress and the metadata.
/// A program uses it to rebuild the model and the optimizer before loading the file into them.
/// </summary>
public sealed class CheckpointInfo
{
    internal CheckpointInfo(uint version, IReadOnlyList<string> layers, IReadOnlyList<(string Name, int Rows, int Cols)> parameters,
        string optimizerName, long optimizerStep, IReadOnlyList<KeyValuePair<string, float>> hyperParameters,
        TrainingProgress progress, IReadOnlyDictionary<string, string> metadata)
    {
        Version = version;
        Layers = layers;
        Parameters = parameters;
        OptimizerName = optimizerName.Length == 0 ? null : optimizerName;
        OptimizerStep = optimizerStep;
        OptimizerHyperParameters = hyperParameters;
        Progress = progress;
        Metadata = metadata;
    }

    /// <summary>The format version of the file (1 to <see cref="Checkpoint.Version"/>).</summary>
    public uint Version { get; }
    /// <summary>Each layer as "name: architecture" (for example "dense1: Dense 64 → 128, Relu"); empty for files of versions 1 and 2 and for files saved from a bare arena.</summary>
    public IReadOnlyList<string> Layers { get; }
    /// <summary>Each parameter's name and shape, in arena order.</summary>
    public IReadOnlyList<(string Name, int Rows, int Cols)> Parameters { get; }
    /// <summary>The kind of optimizer whose state the file holds ("sgd", "momentum", "adam"), or null when it holds none.</summary>
    public string? OptimizerName { get; }
    /// <summary>Updates the saved optimizer had applied (0 when none).</summary>
    public long OptimizerStep { get; }
    /// <summary>The saved optimizer's hyper-parameters (see <see cref="Optimizer.HyperParameters"/>); empty for files before version 4 and when there is no optimizer.</summary>
    public IReadOnlyList<KeyValuePair<string, float>> OptimizerHyperParameters { get; }
    /// <summary>The training progress saved with the file; empty for files before version 4.</summary>
    public TrainingProgress Progress { get; }
    /// <summary>The metadata saved with the file; empty for version 1 files.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// A new, unbound optimizer of the saved kind with the saved hyper-parameters, ready for
    /// <see cref="Checkpoint.Load(string, Model, Optimizer?)"/> to restore its state; null when the file holds no optimizer.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is older than version 4 (it does not record the hyper-parameters), or its kind or hyper-parameters are not ones this library knows or accepts.</exception>
    public Optimizer? CreateOptimizer()
    {
        if (OptimizerName is null) return null;
        if (OptimizerHyperParameters.Count == 0)
            throw new InvalidDataException($"this version {Version} checkpoint records the {OptimizerName} optimizer's state but not its hyper-parameters (version 4 does): create the optimizer yourself");
        var values = OptimizerHyperParameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        float Value(string name) => values.TryGetValue(name, out float value) ? value
            : throw new InvalidDataException($"the {OptimizerName} optimizer's hyper-parameters ({Optimizer.Describe(OptimizerName, OptimizerHyperParameters)}) have no {name}");
        try
        {
            Optimizer optimizer = OptimizerName switch
            {
                "sgd" => new Sgd(Value("lr")),
                "momentum" => new Momentum(Value("lr"), Value("momentum")),
                "adam" => new Adam(Value("lr"), Value("beta1"), Value("beta2"), Value("epsilon"), Value("weight_decay")),
                _ => throw new InvalidDataException($"unknown optimizer kind '{OptimizerName}' (this library has sgd, momentum and adam)"),
            };
            if (optimizer.HyperParameters.Count != OptimizerHyperParameters.Count)
                throw new InvalidDataException($"the file's {Optimizer.Describe(OptimizerName, OptimizerHyperParameters)} has other hyper-parameters than this library's {optimizer}");
            return optimizer;
        }
        catch (ArgumentOutOfRangeException error)
        {
            throw new InvalidDataException($"the file's {Optimizer.Describe(OptimizerName, OptimizerHyperParameters)} is not a valid optimizer: {error.Message}", error);
        }
    }
}
