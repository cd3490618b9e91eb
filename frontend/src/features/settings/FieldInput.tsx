import { Badge, Group, Radio, Select, Stack, Switch, TextInput, Textarea, Tooltip } from "@mantine/core";
import { display, type FieldSpec } from "./fields";

// The value Select uses for an empty "int?" field (Mantine's Select has no option for "").
const EMPTY = "__empty__";

/** One trading setting as an input, with its help, its default and a "changed" badge. */
export function FieldInput({ field, value, onChange, error, differs, defaultValue, choices }: {
  field: FieldSpec;
  value: string | boolean | undefined;
  onChange: (value: string | boolean) => void;
  error: string | undefined;
  differs: boolean;
  defaultValue: unknown;
  /** The values an "int?" field can take (a select), besides empty. */
  choices?: { value: string; label: string }[];
}) {
  const label = (
    <Group gap={6} wrap="nowrap">
      <span>{field.label}</span>
      {differs && (
        <Tooltip label={`Default: ${display(field, defaultValue)}`}>
          <Badge size="xs" variant="light" color="violet">
            changed
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
  const description = [field.help, `default ${display(field, defaultValue)}`].filter(Boolean).join(" · ");
  if (field.kind === "bool") {
    return <Switch label={label} description={description} checked={Boolean(value)} onChange={(e) => onChange(e.currentTarget.checked)} error={error} />;
  }
  if (field.kind === "order-type") {
    return <Select label={label} description={description} data={["limit", "market"]} value={String(value ?? "")} onChange={(v) => v && onChange(v)} error={error} allowDeselect={false} />;
  }
  if (field.kind === "int?" && choices) {
    const current = String(value ?? "");
    const data = [{ value: EMPTY, label: field.empty ?? "empty" }, ...choices];
    if (current && !choices.some((choice) => choice.value === current)) data.push({ value: current, label: current });
    return <Select label={label} description={description} data={data} value={current || EMPTY} onChange={(v) => onChange(!v || v === EMPTY ? "" : v)} error={error} allowDeselect={false} />;
  }
  if (field.kind === "choice") {
    return (
      <Radio.Group label={label} description={description} value={String(value ?? "")} onChange={onChange} error={error}>
        <Stack gap="xs" mt="xs">
          {(field.options ?? []).map((option) => (
            <Radio key={option.value} value={option.value} label={option.label} description={option.help} />
          ))}
        </Stack>
      </Radio.Group>
    );
  }
  if (field.kind === "json") {
    return <Textarea label={label} description={description} value={String(value ?? "")} onChange={(e) => onChange(e.currentTarget.value)} error={error} autosize minRows={3} ff="monospace" />;
  }
  return <TextInput label={label} description={description} value={String(value ?? "")} onChange={(e) => onChange(e.currentTarget.value)} error={error} />;
}
