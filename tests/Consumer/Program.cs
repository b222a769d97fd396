// A user's program: the UCI letter data through an ML.NET pipeline with MLNetMixture's mixture-of-experts trainer,
// evaluated, saved, loaded back and evaluated again. Usage: Consumer <folder with letter_train.csv and letter_test.csv>
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMixture.Transforms;

string data = args.Length > 0 ? args[0] : "data";
string trainPath = Path.Combine(data, "letter_train.csv");
string testPath = Path.Combine(data, "letter_test.csv");
if (!File.Exists(trainPath) || !File.Exists(testPath))
{
    Console.Error.WriteLine($"error: {data} does not hold letter_train.csv and letter_test.csv");
    return 2;
}

var clock = Stopwatch.StartNew();
var ml = new MLContext(seed: 1);

// 16 integer features x_box..yegvx, then the class 0..25 in a "label" column.
string[] features = ["x_box", "y_box", "width", "high", "onpix", "x_bar", "y_bar", "x2bar", "y2bar", "xybar", "x2ybr", "xy2br", "x_ege", "xegvy", "y_ege", "yegvx"];
var columns = features.Select((name, i) => new TextLoader.Column(name, DataKind.Single, i))
    .Append(new TextLoader.Column("label", DataKind.Single, features.Length))
    .ToArray();
var train = ml.Data.LoadFromTextFile(trainPath, columns, separatorChar: ',', hasHeader: true);
var test = ml.Data.LoadFromTextFile(testPath, columns, separatorChar: ',', hasHeader: true);

var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "label")
    .Append(ml.Transforms.Concatenate("Features", features))
    .Append(ml.MulticlassClassification.Trainers.MixtureOfExperts(new MixtureOfExpertsTrainer.Options
    {
        Experts = 4,
        Epochs = 8,
        Seed = 1,
        Threads = 2,
    }));

var model = pipeline.Fit(train);
var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
Console.WriteLine(FormattableString.Invariant($"trained in {clock.Elapsed.TotalSeconds:F1} s"));

string dir = Directory.CreateTempSubdirectory("mlnetmixture-consumer-").FullName;
try
{
    string path = Path.Combine(dir, "letter.zip");
    ml.Model.Save(model, train.Schema, path);
    var fresh = new MLContext(seed: 2);
    var loaded = fresh.Model.Load(path, out _);
    var reloaded = fresh.MulticlassClassification.Evaluate(loaded.Transform(fresh.Data.LoadFromTextFile(testPath, columns, separatorChar: ',', hasHeader: true)));

    Console.WriteLine(FormattableString.Invariant($"macro accuracy {metrics.MacroAccuracy:F4}"));
    Console.WriteLine(FormattableString.Invariant($"micro accuracy {metrics.MicroAccuracy:F4}"));
    Console.WriteLine(FormattableString.Invariant($"loaded model micro accuracy {reloaded.MicroAccuracy:F4}"));
    Console.WriteLine(FormattableString.Invariant($"total {clock.Elapsed.TotalSeconds:F1} s"));

    if (metrics.MicroAccuracy < 0.5 || metrics.MacroAccuracy < 0.5)
    {
        Console.Error.WriteLine("error: accuracy below 0.5 on letter: the packaged trainer is broken");
        return 1;
    }

    if (Math.Abs(reloaded.MicroAccuracy - metrics.MicroAccuracy) > 1e-9)
    {
        Console.Error.WriteLine("error: the saved and loaded model scores differently from the trained one");
        return 1;
    }

    return 0;
}
finally
{
    Directory.Delete(dir, recursive: true);
}
