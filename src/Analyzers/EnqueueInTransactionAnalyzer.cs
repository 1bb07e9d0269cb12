using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace TaskFlow.Analyzers;

/// <summary>
/// TF1004: a task sent while a transaction of the same method is open: inside a <c>TransactionScope</c> (not
/// <c>TransactionScopeOption.Suppress</c>) until it is disposed, or after <c>BeginTransaction</c>/
/// <c>BeginTransactionAsync</c> on a <c>DbConnection</c>, an <c>IDbConnection</c> (Dapper, ADO.NET) or EF Core's
/// <c>DatabaseFacade</c> and before that transaction's <c>Commit</c>/<c>Rollback</c>. Source order within one method
/// (or lambda, or local function) stands for execution order.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class EnqueueInTransactionAnalyzer : DiagnosticAnalyzer
{
    private const int SuppressOption = 2; // System.Transactions.TransactionScopeOption.Suppress

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.EnqueueInsideTransaction);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            var symbols = TaskFlowSymbols.Create(start.Compilation);
            if (symbols is null)
            {
                return;
            }

            // Cheap first: collect the enqueues of a method body; only a body that has some is searched for transactions.
            start.RegisterOperationBlockStartAction(block =>
            {
                var enqueues = new List<IInvocationOperation>();
                block.RegisterOperationAction(
                    context =>
                    {
                        var invocation = (IInvocationOperation)context.Operation;
                        if (symbols.IsEnqueueMethod(invocation.TargetMethod))
                        {
                            lock (enqueues)
                            {
                                enqueues.Add(invocation);
                            }
                        }
                    },
                    OperationKind.Invocation);
                block.RegisterOperationBlockEndAction(context =>
                {
                    if (enqueues.Count > 0)
                    {
                        Analyze(context, symbols, enqueues);
                    }
                });
            });
        });
    }

    private static void Analyze(OperationBlockAnalysisContext context, TaskFlowSymbols symbols, List<IInvocationOperation> enqueues)
    {
        foreach (var block in context.OperationBlocks)
        {
            var operations = block.DescendantsAndSelf().ToList();

            var transactions = new List<OpenTransaction>();
            foreach (var operation in operations)
            {
                var open = operation switch
                {
                    IObjectCreationOperation creation => FindTransactionScope(creation, symbols, operations),
                    IInvocationOperation invocation => FindBegunTransaction(invocation, symbols, operations),
                    _ => null,
                };
                if (open is not null)
                {
                    transactions.Add(open);
                }
            }

            // The outbox form: a client from TaskStateStore.Outbox(transaction) (or ITaskStateStore.Outbox) created in the same function
            // before the enqueue writes the task into that transaction, which is what this rule asks for.
            var outboxes = operations.OfType<IInvocationOperation>()
                .Where(static invocation => invocation.TargetMethod.Name == "Outbox"
                    && invocation.TargetMethod.ContainingType?.ToDisplayString() is "TaskFlow.State.TaskStateStore" or "TaskFlow.State.ITaskStateStore")
                .ToList();

            foreach (var enqueue in enqueues.Where(enqueue => block.Syntax.Span.Contains(enqueue.Syntax.Span)).OrderBy(static enqueue => enqueue.Syntax.SpanStart))
            {
                var position = enqueue.Syntax.SpanStart;
                var function = EnclosingFunction(enqueue);
                var transaction = transactions.FirstOrDefault(candidate => candidate.Open.Contains(position) && candidate.Function == function);
                if (transaction is not null && outboxes.Any(outbox => outbox.Syntax.SpanStart < position && EnclosingFunction(outbox) == function))
                {
                    continue;
                }

                if (transaction is not null)
                {
                    var name = EnqueueProxy.TaskMethodName(enqueue.TargetMethod, symbols) is { } task ? task + "." + enqueue.TargetMethod.Name : enqueue.TargetMethod.Name;
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.EnqueueInsideTransaction, enqueue.Syntax.GetLocation(), name, transaction.Description));
                }
            }
        }
    }

    private static OpenTransaction? FindTransactionScope(IObjectCreationOperation creation, TaskFlowSymbols symbols, List<IOperation> operations)
    {
        if (symbols.TransactionScope is null || !SymbolEqualityComparer.Default.Equals(creation.Type, symbols.TransactionScope))
        {
            return null;
        }

        if (creation.Arguments.Any(argument => SymbolEqualityComparer.Default.Equals(argument.Value.Type, symbols.TransactionScopeOption)
                && argument.Value.ConstantValue is { HasValue: true, Value: int option } && option == SuppressOption))
        {
            return null;
        }

        var start = creation.Syntax.Span.End;
        var description = "the TransactionScope created on line " + Line(creation.Syntax);
        var local = AssignedLocal(creation);

        // using (new TransactionScope()) { ... } / using (var scope = ...) { ... }: open in the body.
        for (var parent = creation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IUsingOperation @using && @using.Resources.Syntax.Span.Contains(creation.Syntax.Span))
            {
                return new OpenTransaction(TextSpan.FromBounds(start, @using.Body.Syntax.Span.End), description, EnclosingFunction(creation));
            }

            if (parent is IBlockOperation or IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                break;
            }
        }

        // using var scope = ...; or a scope disposed by hand: open until Dispose() or the end of the block.
        var end = EndOfBlock(creation);
        if (local is not null)
        {
            var dispose = FirstCallOn(operations, local, start, "Dispose");
            if (dispose is not null)
            {
                end = dispose.Syntax.SpanStart;
            }
        }

        return new OpenTransaction(TextSpan.FromBounds(start, end), description, EnclosingFunction(creation));
    }

    private static OpenTransaction? FindBegunTransaction(IInvocationOperation invocation, TaskFlowSymbols symbols, List<IOperation> operations)
    {
        var method = invocation.TargetMethod;
        if (method.Name is not ("BeginTransaction" or "BeginTransactionAsync"))
        {
            return null;
        }

        var receiver = method.ContainingType;
        var isConnection = TaskFlowSymbols.InheritsFrom(receiver, symbols.DbConnection)
            || SymbolEqualityComparer.Default.Equals(receiver, symbols.IDbConnection)
            || receiver.AllInterfaces.Any(candidate => SymbolEqualityComparer.Default.Equals(candidate, symbols.IDbConnection))
            || receiver.Name == "DatabaseFacade";
        if (!isConnection)
        {
            return null;
        }

        var start = invocation.Syntax.Span.End;
        var local = AssignedLocal(invocation);
        var end = EndOfUsingOrBlock(invocation);
        var finish = operations.OfType<IInvocationOperation>()
            .Where(candidate => candidate.Syntax.SpanStart >= start && candidate.TargetMethod.Name is "Commit" or "CommitAsync" or "Rollback" or "RollbackAsync")
            .Where(candidate => local is null
                ? candidate.TargetMethod.ContainingType.Name.Contains("Transaction")
                : Strip(candidate.Instance) is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local))
            .OrderBy(static candidate => candidate.Syntax.SpanStart)
            .FirstOrDefault();
        if (finish is not null && finish.Syntax.SpanStart < end)
        {
            end = finish.Syntax.SpanStart;
        }

        var description = "the transaction begun on line " + Line(invocation.Syntax) + " by '" + method.Name + "'";
        return new OpenTransaction(TextSpan.FromBounds(start, System.Math.Max(start, end)), description, EnclosingFunction(invocation));
    }

    /// <summary>The local a value ends up in: <c>var x = [await] value[.ConfigureAwait(false)];</c> or <c>x = ...</c>.</summary>
    private static ILocalSymbol? AssignedLocal(IOperation value)
    {
        var current = value;
        while (current.Parent is IAwaitOperation or IConversionOperation or IParenthesizedOperation
            || (current.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } wrapper && wrapper.Instance == current))
        {
            current = current.Parent!;
        }

        return current.Parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } => target.Local,
            _ => null,
        };
    }

    private static IInvocationOperation? FirstCallOn(List<IOperation> operations, ILocalSymbol local, int after, string name) =>
        operations.OfType<IInvocationOperation>()
            .Where(candidate => candidate.Syntax.SpanStart >= after && candidate.TargetMethod.Name == name
                && Strip(candidate.Instance) is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local))
            .OrderBy(static candidate => candidate.Syntax.SpanStart)
            .FirstOrDefault();

    private static IOperation? Strip(IOperation? operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    private static int EndOfUsingOrBlock(IOperation operation)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IUsingOperation @using && @using.Resources.Syntax.Span.Contains(operation.Syntax.Span))
            {
                return @using.Body.Syntax.Span.End;
            }

            if (parent is IBlockOperation or IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                break;
            }
        }

        return EndOfBlock(operation);
    }

    private static int EndOfBlock(IOperation operation)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IBlockOperation block)
            {
                return block.Syntax.Span.End;
            }
        }

        return operation.Syntax.SyntaxTree.Length;
    }

    private static IOperation? EnclosingFunction(IOperation operation)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return parent;
            }
        }

        return null;
    }

    private static int Line(SyntaxNode node) => node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;

    private sealed record OpenTransaction(TextSpan Open, string Description, IOperation? Function);
}
