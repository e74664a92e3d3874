using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using JasperFx.CodeGeneration;
using JasperFx.CodeGeneration.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace TimeBank.Hosting;

/// <summary>
/// Compiles the handler and endpoint code Wolverine generates at start-up. The stock compiler emits debug builds,
/// whose <see cref="System.Diagnostics.DebuggableAttribute"/> keeps the JIT from ever optimising them, so every
/// request ran its generated glue unoptimised; this one emits release builds.
/// </summary>
public sealed class OptimisedCodeCompiler : IAssemblyGenerator
{
    private static readonly ConcurrentDictionary<string, MetadataReference> ReferencesByPath = new();
    private readonly HashSet<Assembly> _assemblies = [typeof(object).Assembly, typeof(Enumerable).Assembly, typeof(Task).Assembly];

    public string? AssemblyName { get; set; }

    public void ReferenceAssembly(Assembly assembly)
    {
        lock (_assemblies) _assemblies.Add(assembly);
    }

    public void ReferenceAssemblyContainingType<T>() => ReferenceAssembly(typeof(T).Assembly);

    public Assembly Generate(Action<ISourceWriter> write)
    {
        using var writer = new SourceWriter();
        write(writer);
        return Generate(writer.Code());
    }

    public Assembly Generate(string code) => Emit(code, Snapshot());

    public void Compile(GeneratedAssembly generatedAssembly, IServiceVariableSource? services = null) =>
        Compile(generatedAssembly, services, out _);

    public void Compile(GeneratedAssembly generatedAssembly, IServiceVariableSource? services, out string code)
    {
        code = generatedAssembly.GenerateCode(services);
        var assemblies = Snapshot()
            .Concat(generatedAssembly.Rules.Assemblies)
            .Concat(generatedAssembly.AllReferencedAssemblies())
            .Concat(generatedAssembly.GeneratedTypes.SelectMany(type => type.AssemblyReferences()));
        generatedAssembly.AttachAssembly(Emit(code, assemblies));
    }

    private Assembly[] Snapshot()
    {
        lock (_assemblies) return [.. _assemblies];
    }

    private Assembly Emit(string code, IEnumerable<Assembly> assemblies)
    {
        var compilation = CSharpCompilation.Create(
            AssemblyName ?? Path.GetRandomFileName(),
            [CSharpSyntaxTree.ParseText(code)],
            ReferencesOf(assemblies),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));

        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        if (!result.Success)
        {
            var errors = result.Diagnostics
                .Where(d => d.Severity == DiagnosticSeverity.Error || d.IsWarningAsError)
                .Select(d => $"{d.Id}: {d.GetMessage()}");
            throw new InvalidOperationException($"Generated code does not compile:\n{string.Join('\n', errors)}\n\n{code}");
        }

        image.Position = 0;
        return AssemblyLoadContext.Default.LoadFromStream(image);
    }

    /// <summary>The given assemblies and everything they reference, as the compiler needs facades such as System.Runtime too.</summary>
    private static List<MetadataReference> ReferencesOf(IEnumerable<Assembly> roots)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<Assembly>(roots);
        var references = new List<MetadataReference>();
        while (pending.TryPop(out var assembly))
        {
            if (assembly.IsDynamic || string.IsNullOrEmpty(assembly.Location) || !seen.Add(assembly.Location)) continue;
            references.Add(ReferencesByPath.GetOrAdd(assembly.Location, path => MetadataReference.CreateFromFile(path)));
            foreach (var name in assembly.GetReferencedAssemblies())
            {
                if (TryLoad(name) is { } referenced) pending.Push(referenced);
            }
        }
        return references;
    }

    private static Assembly? TryLoad(AssemblyName name)
    {
        try
        {
            return Assembly.Load(name);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
        }
    }
}
