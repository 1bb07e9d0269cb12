using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TaskFlow.Analyzers;

namespace TaskFlow.CodeFixes;

/// <summary>Fixes TF1009 when the type really is registered in DI: marks the parameter <c>[FromServices]</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FromServicesCodeFixProvider))]
[Shared]
public sealed class FromServicesCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.InjectedTypeIsNotAService);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var parameter = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<ParameterSyntax>();
            if (parameter is null)
            {
                continue;
            }

            var name = model.LookupNamespacesAndTypes(parameter.SpanStart, name: "FromServicesAttribute").IsEmpty ? "TaskFlow.FromServices" : "FromServices";
            var attribute = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.ParseName(name))))
                .WithTrailingTrivia(SyntaxFactory.Space);
            var updated = parameter.WithoutLeadingTrivia().AddAttributeLists(attribute).WithLeadingTrivia(parameter.GetLeadingTrivia());

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Mark the parameter [FromServices] (it is registered in DI)",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(parameter, updated))),
                    equivalenceKey: "MarkFromServices"),
                diagnostic);
        }
    }
}
