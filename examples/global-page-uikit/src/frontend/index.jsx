// The page, written as any UI Kit app is: components and hooks of the real @forge/react,
// invoke() of the real @forge/bridge.
import React, { useEffect, useState } from 'react';
import ForgeReconciler, {
  AtlassianIcon,
  AtlassianTile,
  BarChart,
  Box,
  Button,
  DynamicTable,
  ErrorMessage,
  FileCard,
  FilePicker,
  Form,
  Frame,
  FormFooter,
  FormHeader,
  FormSection,
  Heading,
  Icon,
  Inline,
  Label,
  RequiredAsterisk,
  Select,
  Stack,
  Text,
  Textfield,
  useForm,
  xcss,
} from '@forge/react';
import { events, invoke } from '@forge/bridge';

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
  const [photos, setPhotos] = useState([]); // picked in the browser, kept in the page only
  const [aboutSays, setAboutSays] = useState(null); // what the Frame's page emitted
  const { handleSubmit, register, getFieldId, formState } = useForm();

  useEffect(() => {
    invoke('getFruits').then(setFruits, (e) => setError(e.message));
  }, []);

  // the `about` Frame's page talks to this page through the events API
  useEffect(() => {
    const sub = events.on('fruit-about', (p) => setAboutSays(typeof p?.text === 'string' ? p.text : null));
    return () => {
      sub.then((s) => s.unsubscribe());
    };
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
      <Inline space="space.100" alignBlock="center">
        <AtlassianTile glyph="idea" label="Fruit ideas" size="medium" />
        <Heading as="h2">Fruit list</Heading>
        <Icon glyph="star-starred" label="Favourite list" color="color.icon.accent.yellow" />
      </Inline>
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
        <FormSection>
          <FilePicker
            label="Fruit photos"
            description="Pictures of the fruit (shown here, not stored)"
            onChange={(files) => setPhotos((ps) => [...ps, ...files.map((f) => ({ name: f.name, size: f.size, type: f.type, bytes: atob(f.data).length }))])}
          />
          {photos.map((ph, i) => (
            <FileCard
              key={`${ph.name}-${i}`}
              fileName={ph.name}
              fileSize={ph.bytes}
              fileType={ph.type}
              error={ph.bytes === ph.size ? undefined : `read ${ph.bytes} of ${ph.size} bytes`}
              onDelete={() => setPhotos((ps) => ps.filter((_, j) => j !== i))}
            />
          ))}
        </FormSection>
        <FormFooter>
          <Button type="submit" appearance="primary">
            Add
          </Button>
        </FormFooter>
      </Form>
      {error && (
        <Inline space="space.050" alignBlock="center">
          <AtlassianIcon glyph="problem" label="Error" size="small" />
          <Text>Error: {error}</Text>
        </Inline>
      )}
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
      <Frame resource="about" />
      {aboutSays && <Text>The about page says: {aboutSays}</Text>}
    </Stack>
  );
};

ForgeReconciler.render(
  <React.StrictMode>
    <App />
  </React.StrictMode>,
);
