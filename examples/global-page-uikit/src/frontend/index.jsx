// The page, written as any UI Kit app is: components and hooks of the real @forge/react,
// invoke() of the real @forge/bridge.
import React, { useEffect, useState } from 'react';
import ForgeReconciler, {
  BarChart,
  Box,
  Button,
  DynamicTable,
  ErrorMessage,
  Form,
  FormFooter,
  FormHeader,
  FormSection,
  Heading,
  Label,
  RequiredAsterisk,
  Select,
  Stack,
  Text,
  Textfield,
  useForm,
  xcss,
} from '@forge/react';
import { invoke } from '@forge/bridge';

const SIZES = [
  { label: 'Small', value: 'small' },
  { label: 'Medium', value: 'medium' },
  { label: 'Large', value: 'large' },
];

const chartBox = xcss({ padding: 'space.100', backgroundColor: 'elevation.surface.sunken', borderRadius: 'border.radius' });

// [size, how many] for the chart, in SIZES' order
const bySize = (fruits) => SIZES.map((s) => [s.label, fruits.filter((f) => f.size === s.value).length]);

const App = () => {
  const [fruits, setFruits] = useState(null);
  const [error, setError] = useState(null);
  const { handleSubmit, register, getFieldId, formState } = useForm();

  useEffect(() => {
    invoke('getFruits').then(setFruits, (e) => setError(e.message));
  }, []);

  const onSubmit = async (data) => {
    setError(null);
    try {
      setFruits(await invoke('addFruit', { name: data.name, size: data.size?.value }));
    } catch (e) {
      setError(e.message);
    }
  };

  return (
    <Stack space="space.200">
      <Heading as="h2">Fruit list</Heading>
      <Form onSubmit={handleSubmit(onSubmit)}>
        <FormHeader title="Add a fruit" />
        <FormSection>
          <Label labelFor={getFieldId('name')}>
            Name
            <RequiredAsterisk />
          </Label>
          <Textfield {...register('name', { required: true })} />
          {formState.errors.name && <ErrorMessage>A name is required.</ErrorMessage>}
          <Label labelFor={getFieldId('size')}>Size</Label>
          <Select {...register('size', { required: true })} options={SIZES} />
          {formState.errors.size && <ErrorMessage>Pick a size.</ErrorMessage>}
        </FormSection>
        <FormFooter>
          <Button type="submit" appearance="primary">
            Add
          </Button>
        </FormFooter>
      </Form>
      {error && <Text>Error: {error}</Text>}
      {fruits === null ? (
        <Text>Loading…</Text>
      ) : (
        <DynamicTable
          caption="Fruits"
          head={{ cells: [{ key: 'name', content: 'Name' }, { key: 'size', content: 'Size' }] }}
          rows={fruits.map((f, i) => ({
            key: `row-${i}`,
            cells: [
              { key: 'name', content: f.name },
              { key: 'size', content: f.size },
            ],
          }))}
          emptyView="No fruit yet"
        />
      )}
      {fruits && fruits.length > 0 && (
        <Box xcss={chartBox}>
          <BarChart title="Fruits by size" data={bySize(fruits)} xAccessor={0} yAccessor={1} height={240} />
        </Box>
      )}
    </Stack>
  );
};

ForgeReconciler.render(
  <React.StrictMode>
    <App />
  </React.StrictMode>,
);
